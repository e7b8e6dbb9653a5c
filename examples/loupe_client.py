#!/usr/bin/env python3
"""List a Loupe newsroom's latest galleries and download one gallery's photos, through its read API.

Python's standard library only; it reads nothing but what the API's OpenAPI document describes
(/api/v1/openapi.json, or the reference at /api/v1/docs/).

    python3 examples/loupe_client.py https://news.example/api/v1/
    python3 examples/loupe_client.py https://news.example/api/v1/ --gallery night-shift --download photos/
    LOUPE_API_KEY=loupe_… python3 examples/loupe_client.py https://news.example/api/v1/ --latest 5

With a partner key, photos whose usage rights do not allow syndication come without a photo and say why
(`withheld`); the client skips them and tells you.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

USER_AGENT = "loupe-example-client/1.0"


class Client:
    def __init__(self, base: str, *, key: str = ""):
        self.base = base if base.endswith("/") else base + "/"
        self.key = key

    def _open(self, url: str, *, accept: str = "application/json"):
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url}: not a web address")
        request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})  # noqa: S310
        if self.key:
            request.add_header("Authorization", f"Bearer {self.key}")
        for _ in range(3):
            try:
                return urllib.request.urlopen(request, timeout=30)  # noqa: S310 (checked above: http or https)
            except urllib.error.HTTPError as error:
                if error.code != 429:
                    raise
                # Over the rate limit: the answer says how long to wait.
                time.sleep(int(error.headers.get("Retry-After", "5")))
        raise RuntimeError(f"{url}: still rate-limited after waiting")

    def get(self, url: str) -> dict:
        with self._open(url) as response:
            return json.load(response)

    def index(self) -> dict:
        return self.get(self.base)

    def latest_galleries(self, count: int) -> list[dict]:
        """The newest published galleries, following cursors until `count` are in hand."""
        found, url = [], f"{self.index()['galleries']}?limit={min(count, 100)}"
        while url and len(found) < count:
            page = self.get(url)
            found += page["results"]
            url = page["next_url"]
        return found[:count]

    def gallery(self, slug: str) -> dict:
        return self.get(f"{self.index()['galleries']}{slug}/")

    def download(self, url: str, path: Path) -> int:
        with self._open(url, accept="image/*") as response, path.open("wb") as out:
            size = 0
            while chunk := response.read(64 * 1024):
                out.write(chunk)
                size += len(chunk)
        return size


def largest(photo: dict, formats=("jpeg", "webp", "avif")) -> dict | None:
    """The widest rendition in the first format the photo has."""
    for fmt in formats:
        renditions = [r for r in photo["renditions"] if r["format"] == fmt]
        if renditions:
            return max(renditions, key=lambda r: r["width"])
    return None


def download_gallery(client: Client, gallery: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for item in gallery["items"]:
        if item["photo"] is None:
            print(f"  #{item['number']} skipped: {item['withheld']}")
            continue
        rendition = largest(item["photo"])
        if rendition is None:
            continue
        extension = {"jpeg": "jpg"}.get(rendition["format"], rendition["format"])
        path = folder / f"{item['number']:03d}-{item['id']}.{extension}"
        size = client.download(rendition["url"], path)
        saved.append(path)
        print(f"  #{item['number']} {item['headline'] or '(no headline)'}: {path.name}, {size} bytes, {item['credit']}")
    # What an app must show with each photo: a graphic one behind its warning, an AI-generated one labelled.
    captions = [
        {
            "number": i["number"],
            "headline": i["headline"],
            "caption": i["caption"],
            "alt_text": i["alt_text"],
            "graphic_warning": i["graphic_warning"],
            "ai_label": i["ai_label"],
        }
        for i in gallery["items"]
    ]
    (folder / "captions.json").write_text(json.dumps(captions, indent=2, ensure_ascii=False))
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the API's address, e.g. https://news.example/api/v1/")
    parser.add_argument("--latest", type=int, default=10, help="how many galleries to list (default 10)")
    parser.add_argument("--gallery", help="the slug of the gallery to download (default: the newest)")
    parser.add_argument("--download", type=Path, help="a folder to save the gallery's photos in")
    args = parser.parse_args(argv)
    client = Client(args.base, key=os.environ.get("LOUPE_API_KEY", ""))

    galleries = client.latest_galleries(args.latest)
    for gallery in galleries:
        day, count = gallery["published_at"][:10], gallery["photo_count"]
        print(f"{day}  {gallery['slug']}  {gallery['title']} ({count} photos)")
    if args.download:
        slug = args.gallery or (galleries[0]["slug"] if galleries else None)
        if slug is None:
            print("No published gallery to download.", file=sys.stderr)
            return 1
        gallery = client.gallery(slug)
        print(f"Downloading {gallery['title']} to {args.download}/")
        download_gallery(client, gallery, args.download)
    return 0


if __name__ == "__main__":
    sys.exit(main())
