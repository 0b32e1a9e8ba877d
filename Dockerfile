# syntax=docker/dockerfile:1
# Build: CGO is needed for SQLite (mattn/go-sqlite3).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# The patched gofpdf (see third_party/gofpdf/PATCHES.md) is a replace target: go mod download reads its go.mod.
COPY third_party/gofpdf/go.mod third_party/gofpdf/
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/consentd .

# Run: a small Debian with CA certificates and time zones, as a non-root user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin consentd \
    && mkdir -p /data && chown consentd /data && chmod 0700 /data
COPY --from=build /out/consentd /usr/local/bin/consentd
USER consentd
ENV CONSENTD_DATA_DIR=/data CONSENTD_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["consentd", "healthcheck"]
ENTRYPOINT ["consentd"]
CMD ["serve"]
