"""The app's one photo store, built from settings: ``PHOTO_STORE`` empty (the default) is
the local folder ``PHOTO_DIR``; ``PHOTO_STORE=s3://bucket/prefix`` is S3-compatible object
storage at ``S3_ENDPOINT_URL`` with the credentials boto3 finds in the environment
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from checkin.photos.store import LocalPhotoStore, PhotoStore

_EXTENSION = "checkin_photos"


def open_store(config: Mapping[str, Any]) -> PhotoStore:
    """A store for these settings (a Flask config or any mapping of the same names)."""
    setting = str(config.get("PHOTO_STORE") or "").strip()
    if not setting:
        return LocalPhotoStore(str(config["PHOTO_DIR"]))
    if setting.startswith("s3://"):
        from checkin.photos.s3 import S3PhotoStore  # boto3 only where it is used

        bucket, _, prefix = setting.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError("PHOTO_STORE=s3://bucket/prefix names no bucket")
        return S3PhotoStore(bucket, prefix, endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                            region=config.get("S3_REGION") or "us-east-1")
    raise ValueError(f"PHOTO_STORE must be empty (the folder PHOTO_DIR) or s3://bucket/prefix, "
                     f"not {setting!r}")


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = open_store(app.config)


def photo_store(app: Flask | None = None) -> PhotoStore:
    """The store of `app` (the current app by default)."""
    target = app if app is not None else current_app
    store: PhotoStore = target.extensions[_EXTENSION]
    return store
