"""Target ``s3``: against a local S3-compatible server (moto's server) on 127.0.0.1.

The failure case stops the server in the middle of an upload (after the first file), as a network cut
or an outage would, then starts it again on the same port with the same bucket contents.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import moto.server as moto_server
import pytest

from pipeline.config import DeploySection
from pipeline.deploy import deploy
from pipeline.deploy.common import upload_order
from pipeline.errors import ChannelError

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

ENV = {"AWS_ACCESS_KEY_ID": "warta-test", "AWS_SECRET_ACCESS_KEY": "warta-test-secret", "AWS_REGION": "us-east-1"}


@dataclass
class S3:
    port: int
    server: Any

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> S3Client:
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=ENV["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=ENV["AWS_SECRET_ACCESS_KEY"])

    def restart(self) -> None:
        self.server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def target(self, bucket: str, prefix: str = "") -> DeploySection:
        return DeploySection(target="s3", s3_bucket=bucket, s3_endpoint=self.endpoint, s3_prefix=prefix)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = S3(port, None)
    server.restart()
    try:
        yield server
    finally:
        server.server.stop()


@pytest.fixture
def bucket(s3: S3, request: pytest.FixtureRequest) -> str:
    name = "web-" + hashlib.sha1(request.node.name.encode()).hexdigest()[:12]
    s3.client().create_bucket(Bucket=name)
    return name


def build(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def objects(s3: S3, bucket: str, prefix: str = "") -> dict[str, str]:
    client = s3.client()
    out: dict[str, str] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            out[obj["Key"][len(prefix):]] = body.decode("utf-8")
    return out


V1 = {"index.html": "<h1>v1</h1>", "berita/a/index.html": "<p>A</p>", "theme/warta.css": "body{}",
      "lama/index.html": "<p>lama</p>", "feeds/all.atom.xml": "<feed>1</feed>"}
V2 = {"index.html": "<h1>v2</h1>", "berita/a/index.html": "<p>A</p>", "theme/warta.css": "body{color:red}",
      "berita/b/index.html": "<p>B</p>", "feeds/all.atom.xml": "<feed>2</feed>"}


def test_uploads_the_site_with_content_types(s3: S3, bucket: str, tmp_path: Path) -> None:
    result = deploy(build(tmp_path / "b1", V1), s3.target(bucket, "dpmk"), tmp_path / "state", env=ENV)
    assert objects(s3, bucket) == {f"dpmk/{k}": v for k, v in V1.items()}
    assert sorted(result.uploaded) == sorted(V1)
    head = s3.client().head_object(Bucket=bucket, Key="dpmk/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["Metadata"]["sha256"] == hashlib.sha256(b"<h1>v1</h1>").hexdigest()
    assert s3.client().head_object(Bucket=bucket, Key="dpmk/theme/warta.css")["ContentType"] == \
        "text/css; charset=utf-8"


def test_only_changed_files_are_uploaded_and_stale_ones_deleted(s3: S3, bucket: str, tmp_path: Path) -> None:
    deploy(build(tmp_path / "b1", V1), s3.target(bucket), tmp_path / "state", env=ENV)
    client = s3.client()
    # mark an unchanged object on the server: an upload would replace the mark
    client.copy_object(Bucket=bucket, Key="berita/a/index.html", CopySource={"Bucket": bucket,
                       "Key": "berita/a/index.html"}, Metadata={"mark": "first-upload"}, MetadataDirective="REPLACE")
    result = deploy(build(tmp_path / "b2", V2), s3.target(bucket), tmp_path / "state", env=ENV)
    assert objects(s3, bucket) == V2
    assert sorted(result.uploaded) == ["berita/b/index.html", "feeds/all.atom.xml", "index.html", "theme/warta.css"]
    assert result.deleted == ("lama/index.html",)
    assert result.unchanged == ("berita/a/index.html",)
    assert client.head_object(Bucket=bucket, Key="berita/a/index.html")["Metadata"] == {"mark": "first-upload"}
    again = deploy(build(tmp_path / "b2again", V2), s3.target(bucket), tmp_path / "state", env=ENV)
    assert again.uploaded == () and again.deleted == ()


def test_an_object_changed_on_the_server_is_put_back(s3: S3, bucket: str, tmp_path: Path) -> None:
    deploy(build(tmp_path / "b1", V1), s3.target(bucket), tmp_path / "state", env=ENV)
    s3.client().put_object(Bucket=bucket, Key="index.html", Body=b"defaced")
    result = deploy(build(tmp_path / "b1", V1), s3.target(bucket), tmp_path / "state", env=ENV)
    assert result.uploaded == ("index.html",)
    assert objects(s3, bucket)["index.html"] == V1["index.html"]


def test_other_prefixes_are_left_alone_and_dry_run_changes_nothing(s3: S3, bucket: str, tmp_path: Path) -> None:
    s3.client().put_object(Bucket=bucket, Key="kantor-lain/index.html", Body=b"lain")
    deploy(build(tmp_path / "b1", V1), s3.target(bucket, "/dpmk/"), tmp_path / "state", env=ENV)
    plan = deploy(build(tmp_path / "b2", V2), s3.target(bucket, "dpmk"), tmp_path / "state", env=ENV, dry_run=True)
    assert plan.dry_run and plan.deleted == ("lama/index.html",) and len(plan.uploaded) == 4
    after = objects(s3, bucket)
    assert after["kantor-lain/index.html"] == "lain"
    assert {k[5:]: v for k, v in after.items() if k.startswith("dpmk/")} == V1


def test_a_failed_upload_leaves_every_object_whole_deletes_nothing_and_the_next_run_finishes(
        s3: S3, bucket: str, tmp_path: Path) -> None:
    deploy(build(tmp_path / "b1", V1), s3.target(bucket), tmp_path / "state", env=ENV)
    site = build(tmp_path / "b2", V2)
    done: list[str] = []

    def cut(action: str, path: str) -> None:
        done.append(path)
        if len(done) == 1:
            s3.server.stop()  # the server goes away in the middle of the upload

    try:
        with pytest.raises(ChannelError) as info:
            deploy(site, s3.target(bucket), tmp_path / "state", env=ENV, progress=cut)
    finally:
        s3.restart()
    assert "Nothing was deleted" in str(info.value)
    now = objects(s3, bucket)
    assert set(now) == set(V1) | set(done)  # nothing deleted yet, one new file up
    for key, body in now.items():
        assert body in (V1.get(key), V2.get(key)), key  # each object is the old or the new file, whole
    assert now["index.html"] == V1["index.html"]  # the home page goes last
    result = deploy(site, s3.target(bucket), tmp_path / "state", env=ENV)
    assert objects(s3, bucket) == V2
    assert done[0] not in result.uploaded and len(result.uploaded) == 3
    assert result.deleted == ("lama/index.html",)


def test_upload_order_keeps_pages_whole() -> None:
    paths = ["index.html", "feeds/all.atom.xml", "berita/2025/a/index.html", "berita/index.html",
             "theme/warta.css", "media/a.jpg", "sitemap.xml"]
    assert upload_order(paths) == ["media/a.jpg", "theme/warta.css", "berita/2025/a/index.html",
                                   "berita/index.html", "feeds/all.atom.xml", "sitemap.xml", "index.html"]


def test_a_missing_bucket_is_a_clear_error(s3: S3, tmp_path: Path) -> None:
    with pytest.raises(ChannelError, match="listing s3://tidak-ada/"):
        deploy(build(tmp_path / "b1", V1), s3.target("tidak-ada"), tmp_path / "state", env=ENV)
