# syntax=docker/dockerfile:1
#
# The image of the one `hromada` binary: the chart (charts/hromada) runs it as
# `serve`, `worker` and `migrate`, passing the subcommand as args to this
# ENTRYPOINT. Build: `make image` (or `docker build -t ghcr.io/hromada/hromada:0.1.0 .`).
#
# Why glibc and cgo, not a static binary: the providers' seal keys live in an
# HSM reached through its vendor's PKCS#11 library (modules/documents/hsm,
# miekg/pkcs11), a shared object that only a dynamically linked, cgo-enabled
# process can dlopen. A CGO_ENABLED=0 build cannot compile that package, and
# leaving it out would take the HSM away in exactly the deployments that need
# it. So the binary links against glibc and runs on distroless/base-debian12,
# which carries glibc (and CA certificates, tzdata) and nothing else: no shell,
# no package manager. The HSM's library is mounted into the pod and named by
# HROMADA_HSM_MODULE. charts/hromada/charttest checks these claims: the
# build command below, the libraries the binary needs, the user, the
# entrypoint and the subcommands the chart runs.
#
# Everything else the binary needs (templates, static files, locales, fonts,
# migrations, policies, the demo) is embedded with go:embed; PostgreSQL and the
# object store are external.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so that a change in the code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" -o /out/hromada ./cmd/hromada

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/hromada /hromada
# 65532 is distroless's "nonroot"; the chart's podSecurityContext runs as the
# same user and group, with a read-only root filesystem and /tmp an emptyDir.
USER 65532:65532
ENV HROMADA_ENV=production
EXPOSE 8080
ENTRYPOINT ["/hromada"]
CMD ["serve"]
