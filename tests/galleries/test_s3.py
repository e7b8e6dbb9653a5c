"""The whole pipeline against an S3-protocol server on loopback (moto's server mode)."""

import io

import pytest
from django.core.management import call_command

from galleries.publication import expose_photos
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory
from tests.galleries import imagefiles as files

moto_server = pytest.importorskip("moto.server", reason="moto is in the dev extra")
boto3 = pytest.importorskip("boto3")

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


@pytest.fixture
def s3(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        for bucket in ("loupe-public", "loupe-private"):
            client.create_bucket(Bucket=bucket)
        common = {"endpoint_url": endpoint, "region_name": "us-east-1", "file_overwrite": False}
        backend = "storages.backends.s3.S3Storage"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": backend,
                "OPTIONS": {**common, "bucket_name": "loupe-public", "querystring_auth": False},
            },
            "renditions": {
                "BACKEND": backend,
                "OPTIONS": {**common, "bucket_name": "loupe-private", "location": "renditions"},
            },
            "originals": {
                "BACKEND": backend,
                "OPTIONS": {**common, "bucket_name": "loupe-private", "location": "originals"},
            },
        }
        yield client
    finally:
        server.stop()


def keys(client, bucket: str) -> dict[str, str]:
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.head_object(Bucket=bucket, Key=item["Key"])["ContentType"] for item in listing}


def test_originals_go_to_the_private_bucket_and_published_renditions_to_the_public_one(s3):
    item = ItemFactory(gallery=GalleryFactory(published=True), photo__rendered=True)
    photo = item.photo

    expose_photos(photos=[photo])

    private = keys(s3, "loupe-private")
    public = keys(s3, "loupe-public")
    assert f"originals/{photo.original.name}" in private
    assert not any(key.startswith("originals/") for key in public)
    renditions = list(photo.renditions.all())
    assert renditions and all(r.is_public for r in renditions)
    expected = {"jpeg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}
    for rendition in renditions:
        assert private[f"renditions/{rendition.name}"] == expected[rendition.format]
        assert public[rendition.name] == expected[rendition.format]
    assert files.SERIAL.encode() not in s3.get_object(Bucket="loupe-public", Key=renditions[0].name)["Body"].read()


def test_sweep_originals_walks_the_private_bucket(s3):
    photo = PhotoFactory(rendered=True)
    s3.put_object(Bucket="loupe-private", Key="originals/ab/abandoned.jpeg", Body=b"left behind by a crash")
    out = io.StringIO()

    call_command("sweep_originals", "--older-than", "0", stdout=out)

    assert "deleted ab/abandoned.jpeg" in out.getvalue()
    originals = [key for key in keys(s3, "loupe-private") if key.startswith("originals/")]
    assert originals == [f"originals/{photo.original.name}"]
