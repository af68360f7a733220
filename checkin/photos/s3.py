"""Photos in S3-compatible object storage (MinIO, Alibaba OSS, Huawei OBS, SeaweedFS, Ceph RGW)
through boto3, path-style addressing. Object names: ``prefix/ab/cd/<key>.jpg``, so a listing
(lexicographic, paged by the server) comes in key order.

- ``put``: a HEAD first; an object of the same size and MD5 ETag is only refreshed (a copy
  onto itself, which sets its LastModified to now: the age ``delete_unused`` looks at);
  otherwise ``PutObject`` with ``If-None-Match: *``. A server that answers 412 has the object
  already (a concurrent put): it is refreshed. A server that ignores the header overwrites
  the same bytes: harmless, the content is the name.
- ``delete_unused``: grace by age, then the database, then delete; see its docstring for why a
  concurrent upload of the same bytes is never lost.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Final

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from checkin.photos.store import check_key, key_for

_SUFFIX: Final = ".jpg"
_ASIDE: Final = ".aside/"  # deleted keys' bytes, kept until a later sweep settles them
_PROBE: Final = ".health"
_CHUNK: Final = 1 << 20


def _missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


def _precondition_failed(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return status == 412 or code == "PreconditionFailed"


class _Body(io.RawIOBase):
    """A streaming GET body as a binary file (read in chunks, closed with the response)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


class S3PhotoStore:
    """Objects in ``bucket`` under ``prefix`` named by the SHA-256 of their content."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str = "us-east-1", client: Any = None,
                 now: Callable[[], float] = time.time) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.now = now  # seconds since the epoch; compared with the server's LastModified
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region,
            # An object store answers a transient 500 now and then (SeaweedFS does while it
            # grows a volume for a new bucket): retried with backoff, six tries in all.
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 6,
                                                                         "mode": "standard"},
                              connect_timeout=5, read_timeout=30))

    # names
    def describe(self) -> str:
        return f"the bucket s3://{self.bucket}/{self.prefix}"

    def name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}{_SUFFIX}"

    def _key_of(self, name: str) -> str | None:
        rest = name[len(self.prefix):]
        if len(rest) != 6 + 64 + len(_SUFFIX) or not rest.endswith(_SUFFIX):
            return None
        key = rest[6:-len(_SUFFIX)]
        try:
            check_key(key)
        except ValueError:
            return None
        return key if rest[:6] == f"{key[:2]}/{key[2:4]}/" else None

    # reading
    def _head(self, name: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return head

    def exists(self, key: str) -> bool:
        return self._head(self.name(key)) is not None

    def size(self, key: str) -> int | None:
        head = self._head(self.name(key))
        return None if head is None else int(head["ContentLength"])

    def open(self, key: str) -> BinaryIO:
        return self.stream(key)[0]

    def stream(self, key: str) -> tuple[BinaryIO, int]:
        """A streaming GET: the body is read as the client takes it, never whole."""
        name = self.name(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(name) from exc
            raise
        body = io.BufferedReader(_Body(answer["Body"]), _CHUNK)
        return body, int(answer["ContentLength"])

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def verify(self, key: str) -> bool:
        digest = hashlib.sha256()
        try:
            with self.open(key) as fh:
                while chunk := fh.read(_CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == key

    def iter_keys(self, start_after: str | None = None) -> Iterator[str]:
        """Keys in ascending order, one page (at most 1,000) in memory at once."""
        after = self.name(start_after) if start_after else self.prefix
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": 1000},
            **({"StartAfter": after} if after else {}))
        for page in pages:
            for item in page.get("Contents", []):
                key = self._key_of(item["Key"])
                if key is not None:
                    yield key

    # writing
    def put(self, data: bytes) -> str:
        key = key_for(data)
        name = self.name(key)
        for _attempt in range(3):
            try:
                self._put_once(name, data)
                return key
            except _Vanished:
                continue  # deleted by a sweep between our look and the refresh: write anew
        raise OSError(f"the photo {key} could not be stored")

    def _put_once(self, name: str, data: bytes) -> None:
        head = self._head(name)
        if head is not None and self._same(head, data):
            self._refresh(name)
            return
        try:
            extra = {"IfNoneMatch": "*"} if head is None else {}  # a damaged one: rewritten
            self.client.put_object(Bucket=self.bucket, Key=name, Body=data,
                                   ContentType="image/jpeg", **extra)
        except ClientError as exc:
            if not _precondition_failed(exc):
                raise
            self._refresh(name)  # another put of the same bytes won the race

    @staticmethod
    def _same(head: dict[str, Any], data: bytes) -> bool:
        if int(head.get("ContentLength", -1)) != len(data):
            return False
        etag = str(head.get("ETag", "")).strip('"')
        if "-" in etag:  # a multipart upload's ETag is not the MD5; trust the size
            return True
        return etag == hashlib.md5(data, usedforsecurity=False).hexdigest()

    def _refresh(self, name: str) -> None:
        """Set the object's LastModified to now by copying it onto itself."""
        try:
            self.client.copy_object(
                Bucket=self.bucket, Key=name, CopySource={"Bucket": self.bucket, "Key": name},
                MetadataDirective="REPLACE", ContentType="image/jpeg",
                Metadata={"put": secrets.token_hex(4)})
        except ClientError as exc:
            if not _missing(exc):
                raise
            raise _Vanished(name) from exc

    def delete(self, key: str) -> bool:
        name = self.name(key)
        if self._head(name) is None:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=name)
        return True

    def check_writable(self) -> None:
        name = f"{self.prefix}{_PROBE}/{secrets.token_hex(8)}"
        try:
            self.client.put_object(Bucket=self.bucket, Key=name, Body=b"ok")
            self.client.delete_object(Bucket=self.bucket, Key=name)
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"the photo store cannot be written: {exc}") from exc

    # deleting what no row names
    def _age_s(self, head: dict[str, Any]) -> float:
        return self.now() - head["LastModified"].timestamp()

    def delete_unused(self, key: str, in_use: Callable[[str], bool],
                      older_than_s: float) -> bool:
        """Delete ``key`` only if its last put is ``older_than_s`` old and then, asked
        afresh, no row names it; True if it was deleted.

        Grace by age, then the database, then delete. An upload puts (or refreshes) its
        objects, then commits its rows within ``older_than_s``. (1) The age is looked at
        first: an upload whose put came before that look and is older than the grace has
        committed already, so (2) the database, asked after the look, names the key; a
        younger one is spared by (1). (3) Looked at again just before the delete: a put
        between (1) and (3) changed LastModified, and the key is spared. What is left is a
        put in the moment between (3) and the delete; for it, (4) the bytes are first
        copied aside (``.aside/<key>-<rand>``), and a later sweep (``put_back_aside``,
        which every sweep runs first) puts back any aside key a row names by then (an
        upload commits within a request's time of its put) and only then deletes the
        copy. So no acknowledged photo is lost; in that one-round-trip window it may be
        absent until the next sweep."""
        name = self.name(key)
        head = self._head(name)
        if head is None or self._age_s(head) < older_than_s:
            return False
        if in_use(key):
            return False
        aside = f"{self.prefix}{_ASIDE}{key}-{secrets.token_hex(4)}"
        self.client.copy_object(Bucket=self.bucket, Key=aside,
                                CopySource={"Bucket": self.bucket, "Key": name})
        again = self._head(name)
        if again is None or again["LastModified"] != head["LastModified"] \
                or self._age_s(again) < older_than_s:
            self.client.delete_object(Bucket=self.bucket, Key=aside)
            return False
        self.client.delete_object(Bucket=self.bucket, Key=name)
        return True

    def put_back_aside(self, in_use: Callable[[str], bool] | None = None,
                       older_than_s: float = 60.0) -> int:
        """Copies ``delete_unused`` set aside at least ``older_than_s`` ago (longer than a
        request) settled: put back where a row names the key now (or with no ``in_use``:
        always), then removed; returns how many were put back."""
        restored = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}{_ASIDE}")
        for page in pages:
            for item in page.get("Contents", []):
                aside = item["Key"]
                key = aside[len(self.prefix) + len(_ASIDE):].split("-", 1)[0]
                if self.now() - item["LastModified"].timestamp() < older_than_s:
                    continue
                try:
                    check_key(key)
                except ValueError:
                    continue
                if (in_use is None or in_use(key)) and self._head(self.name(key)) is None:
                    self.client.copy_object(Bucket=self.bucket, Key=self.name(key),
                                            CopySource={"Bucket": self.bucket, "Key": aside})
                    restored += 1
                self.client.delete_object(Bucket=self.bucket, Key=aside)
        return restored

    def sweep_temporary(self, older_than_s: float = 3600.0) -> int:
        """Object storage keeps no half-written objects (a put is atomic): nothing to do."""
        return 0


class _Vanished(FileNotFoundError):
    """The object went between the HEAD and the refresh (a sweep deleted it)."""
