"""Target ``s3``: the site in an S3-compatible bucket (AWS S3, MinIO, Ceph, Cloudflare R2, ...).

``deploy.s3_bucket`` names the bucket, ``deploy.s3_prefix`` an optional folder in it, ``deploy.s3_endpoint``
the server for anything but AWS itself (path-style addressing is used then). Credentials come from the
standard AWS environment variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``) or
boto3's usual configuration, never from the repository.

The bucket listing is the state: an object whose ETag is the MD5 of the local file is unchanged, so a
run uploads only new and changed files (each with ``Content-MD5``, so the server refuses a damaged
upload). Files go up in an order that keeps pages whole (assets, then pages deepest first, then feeds
and the home page); objects the site no longer has are deleted only after every upload succeeded. A run
that fails leaves every object whole and nothing deleted; the next run lists the bucket again and
uploads what is still missing. The bucket (or prefix) belongs to warta: other objects in it are deleted.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.deploy.common import DeployResult, Progress, file_digest, site_files, upload_order
from pipeline.errors import ChannelError, ConfigError
from pipeline.i18n import _

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

_TEXT = {"application/javascript", "application/json", "application/xml", "application/rss+xml",
         "application/atom+xml", "image/svg+xml"}


def content_type(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path)
    kind = guessed or "application/octet-stream"
    if kind.startswith("text/") or kind in _TEXT:
        kind += "; charset=utf-8"
    return kind


def normalise_prefix(prefix: str) -> str:
    cleaned = prefix.strip().strip("/")
    if ".." in cleaned.split("/"):
        raise ConfigError(_("deploy.s3_prefix: '{prefix}' may not contain '..'", prefix=prefix))
    return f"{cleaned}/" if cleaned else ""


def make_client(endpoint: str | None, env: Mapping[str, str]) -> S3Client:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ChannelError(_("deploy: target s3 needs boto3, which only offices deploying to S3 install: "
                             "pip install 'warta[s3]' (or pip install boto3)")) from None

    session = boto3.session.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
        aws_session_token=env.get("AWS_SESSION_TOKEN") or None,
        region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    config = Config(
        s3={"addressing_style": "path"} if endpoint else {},
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
    )
    return session.client("s3", endpoint_url=endpoint or None, config=config)


def _failure(what: str, exc: Exception) -> ChannelError:
    return ChannelError(_("deploy: {what} failed: {exc}. Nothing was deleted and every object in the bucket is whole; "
                          "the next run uploads what is still missing.", what=what, exc=exc))


def _listing(client: S3Client, bucket: str, prefix: str) -> dict[str, str]:
    """Relative path -> ETag (without quotes) of every object under ``prefix``."""
    found: dict[str, str] = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            found[key[len(prefix):]] = obj.get("ETag", "").strip('"')
    return found


def deploy_s3(site_dir: Path, bucket: str, *, prefix: str = "", endpoint: str | None = None,
              env: Mapping[str, str] | None = None, dry_run: bool = False,
              progress: Progress | None = None) -> DeployResult:
    """Bring the bucket in line with ``site_dir`` (see the module docstring)."""
    environ = dict(os.environ if env is None else env)
    files = site_files(site_dir)
    prefix = normalise_prefix(prefix)
    location = f"s3://{bucket}/{prefix}" + (f" at {endpoint}" if endpoint else "")
    client = make_client(endpoint, environ)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        remote = _listing(client, bucket, prefix)
    except (BotoCoreError, ClientError) as exc:
        raise _failure(f"listing {location}", exc) from None

    md5 = {rel: file_digest(path, "md5") for rel, path in files.items()}
    changed = [rel for rel in files if remote.get(rel) != md5[rel]]
    stale = sorted(rel for rel in remote if rel not in files and rel)
    unchanged = tuple(rel for rel in files if rel not in set(changed))
    if dry_run:
        return DeployResult("s3", location, tuple(upload_order(changed)), tuple(stale), unchanged, True)

    uploaded: list[str] = []
    for rel in upload_order(changed):
        path = files[rel]
        extra: dict[str, Any] = {
            "ContentType": content_type(rel),
            "ContentMD5": base64.b64encode(bytes.fromhex(md5[rel])).decode("ascii"),
            "Metadata": {"sha256": file_digest(path)},
        }
        try:
            with path.open("rb") as body:
                client.put_object(Bucket=bucket, Key=prefix + rel, Body=body, **extra)
        except (BotoCoreError, ClientError, OSError) as exc:
            raise _failure(f"uploading {rel} ({len(uploaded)} of {len(changed)} done)", exc) from None
        uploaded.append(rel)
        if progress is not None:
            progress("upload", rel)

    deleted: list[str] = []
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1000 keys
        batch = stale[start:start + 1000]
        try:
            answer = client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": prefix + rel} for rel in batch], "Quiet": True})
        except (BotoCoreError, ClientError) as exc:
            raise ChannelError(_("deploy: the new site is uploaded, but deleting old files failed: {exc}; the next run "
                                 "deletes them", exc=exc)) from None
        errors = answer.get("Errors", [])
        if errors:
            first = errors[0]
            raise ChannelError(_("deploy: the new site is uploaded, but {n} old files could not be deleted ({get}: "
                                 "{get2}); the next run tries again",
                                 n=len(errors), get=first.get('Key'), get2=first.get('Message')))
        deleted.extend(batch)
        if progress is not None:
            for rel in batch:
                progress("delete", rel)
    return DeployResult("s3", location, tuple(uploaded), tuple(deleted), unchanged, False)
