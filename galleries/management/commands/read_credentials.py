from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from galleries import provenance, signing


class Command(BaseCommand):
    help = (
        "Read and verify the Content Credentials of image files, as a verification desk would: in plain words. "
        "Trusts LOUPE_C2PA_TRUST_ANCHORS and, in development, the root of the test chain Loupe signs with."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--trust", type=Path, help="a PEM file of root certificates to trust instead")

    def handle(self, *args, files: list[Path], trust: Path | None, **options) -> None:
        anchors = trust.read_text() if trust else self._anchors()
        unverified = 0
        for path in files:
            try:
                data = path.read_bytes()
                with Image.open(path) as image:
                    image_format = image.format or ""
            except OSError as error:
                raise CommandError(f"{path}: {error}") from error
            try:
                credentials = provenance.read_credentials(
                    data, mime=provenance.mime_type(image_format), trust_anchors=anchors
                )
            except provenance.ManifestRejected as error:
                credentials = provenance.Credentials(state=provenance.State.INVALID, problem=str(error))
            unverified += credentials.state != provenance.State.VALID
            self.stdout.write(f"{path}:")
            for sentence in provenance.describe(credentials):
                self.stdout.write(f"  {sentence}")
        if unverified:
            raise CommandError(f"{unverified} of {len(files)} file(s) without valid Content Credentials.")

    def _anchors(self) -> str:
        anchors = signing.trust_anchors()
        if signing.signing_mode() == signing.Mode.DEVELOPMENT:
            folder = signing.development_chain(Path(settings.DATA_DIR) / signing.DEVELOPMENT_FOLDER)
            anchors += (folder / "root.pem").read_text()
        return anchors
