# syntax=docker/dockerfile:1
# Production image: gunicorn serves the app, whitenoise serves the collected static files.
# The same image runs the Celery worker and the (single) beat; see docker-compose.yml.
FROM python:3.11-slim-bookworm

# PYTHONPATH: `pip install .` also puts a copy of the packages in site-packages, but without
# templates, static files and translations (they are not package data). Importing the source tree
# under /app first, for gunicorn, manage.py and celery alike, keeps BASE_DIR pointing at /app.
# DJANGO_SETTINGS_MODULE: fail closed. Started without configuration, the image refuses to run
# (no SECRET_KEY) instead of falling back to the development settings with DEBUG on.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=inburgering.settings.production

# System libraries WeasyPrint loads at runtime (Pango, HarfBuzz, image codecs) and fonts for PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 \
      libpangoft2-1.0-0 \
      libharfbuzz0b \
      libharfbuzz-subset0 \
      libjpeg62-turbo \
      libopenjp2-7 \
      libffi8 \
      shared-mime-info \
      fonts-dejavu-core \
      fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin app

WORKDIR /app

# Python dependencies first, from pyproject.toml alone, so a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Front-end packages (htmx) from the committed lock file. Node and npm are only needed for this
# step, so they are installed and removed again in the same layer and do not end up in the image.
COPY package.json package-lock.json ./
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && npm ci --omit=dev --no-audit --no-fund \
 && apt-get purge -y --auto-remove nodejs npm \
 && rm -rf /var/lib/apt/lists/* /root/.npm

COPY . .
RUN pip install --no-deps .

# collectstatic imports the production settings, which refuse to start without SECRET_KEY and
# ALLOWED_HOSTS. The dummy values exist only for this RUN step and are not part of the image's
# environment; VAR_DIR points at a throw-away directory so nothing is left under /app/var.
RUN DJANGO_SETTINGS_MODULE=inburgering.settings.production \
    SECRET_KEY=build-time-only-not-a-secret \
    ALLOWED_HOSTS=build.invalid \
    VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput \
 && rm -rf /tmp/build-var

# var/ holds media uploads and the beat schedule; it is a volume in docker-compose.yml and must
# be writable by the unprivileged user (a new named volume takes over this ownership).
RUN mkdir -p /app/var/media \
 && chown -R app:app /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "inburgering.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
