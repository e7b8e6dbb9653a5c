import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
application = get_wsgi_application()

from galleries.storage import storage_problems  # noqa: E402  (needs the apps loaded above)

# Refuse to serve with an unwritable data folder or a missing bucket, naming it, rather than let the first
# upload find out. An unreachable bucket is an outage, not a mistake: the server starts and waits for it.
if problems := storage_problems():
    raise ImproperlyConfigured(" ".join(problems))
