# Asisten: one image for the web, worker and beat processes (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files and translations are built into the image. Settings refuse to start without
# a secret and servers when DEBUG is off; these placeholders exist only for this build step
# (nothing connects to them) and are not in the final environment.
RUN python scripts/compilemessages.py \
    && DEBUG=0 SECRET_KEY=build-only-not-a-secret \
       DATABASE_URL=postgres://build@build.invalid/build REDIS_URL=redis://build.invalid:6379/0 \
       python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 asisten \
    && mkdir -p /data/media /data/private \
    && chown -R asisten:asisten /data
USER asisten

ENV MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private

EXPOSE 8000
# gunicorn.conf.py (in /app) sets the bind address, workers and timeouts.
CMD ["gunicorn", "marketplace.wsgi:application"]
