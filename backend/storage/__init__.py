"""Object storage: the ObjectStore interface, a folder store and an S3 store (minio client)."""
