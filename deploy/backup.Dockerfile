# syntax=docker/dockerfile:1
# The image of the scheduled backup (deploy/k8s/backup-cronjob.yaml): backup.sh with PostgreSQL's own
# client of the server's major version (pg_dump must not be older than the server) and curl for the S3
# upload. Built from deploy/ as its context, apart from the application image:
#   docker build -f deploy/backup.Dockerfile --build-arg PG_MAJOR=15 -t actor-core-backup:V deploy
ARG PG_MAJOR=15
FROM postgres:${PG_MAJOR}-bookworm
RUN apt-get update \
  && apt-get install -y --no-install-recommends curl ca-certificates \
  && rm -rf /var/lib/apt/lists/*
# libpq verifies a server certificate (sslmode=verify-full, as in the example Secret's DATABASE_URL)
# against this file; without it, it looks for ~/.postgresql/root.crt and fails. A private CA: set
# PGSSLROOTCERT to its file, mounted from a Secret.
ENV PGSSLROOTCERT=/etc/ssl/certs/ca-certificates.crt
COPY backup.sh /opt/actor-core/backup.sh
COPY lib/pg-client.sh lib/s3.sh /opt/actor-core/lib/
# The image's postgres user (uid 999): the dump is written by a non-root process.
USER 999:999
ENTRYPOINT ["/opt/actor-core/backup.sh"]
