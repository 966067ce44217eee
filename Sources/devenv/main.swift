import DevenvKit; print(DevenvKitVersion.current)
