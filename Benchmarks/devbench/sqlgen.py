"""Generates a Postgres seed file of about N bytes: one table, rows in COPY format.
The file drops and recreates its table, so applying it twice leaves the same data."""
import random
import string

TABLE = "bench_seed"


def write(path: str, size_bytes: int, seed: int = 9) -> int:
    """Writes the file and returns the number of rows."""
    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))) for _ in range(5000)]
    rows = 0
    with open(path, "w", buffering=1 << 20) as f:
        f.write(f"DROP TABLE IF EXISTS {TABLE};\n"
                f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, name text, email text, score integer, note text);\n"
                f"COPY {TABLE} (id, name, email, score, note) FROM stdin;\n")
        written = f.tell()
        chunk = []
        while written < size_bytes:
            rows += 1
            name = rng.choice(words)
            line = f"{rows}\t{name} {rng.choice(words)}\t{name}{rows}@example.com\t{rng.randint(0, 10**6)}\t{' '.join(rng.choices(words, k=20))}\n"
            chunk.append(line)
            written += len(line)
            if len(chunk) == 10000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
        f.write("\\.\n")
        f.write(f"ANALYZE {TABLE};\n")
    return rows
