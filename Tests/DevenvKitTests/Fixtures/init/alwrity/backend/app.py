from fastapi import FastAPI

app = FastAPI(title="ALwrity")


@app.get("/health")
def health():
    return {"status": "ok"}
