# syntax=docker/dockerfile:1
# The mock as a container image: the static binary and a CA bundle on an empty root filesystem.
#
#   docker build -t commerce-auth-mock .
#   docker run --rm -p 127.0.0.1:4000:4000 commerce-auth-mock
#
# tests/container_image.rs assembles the final stage's root filesystem the way this file does and
# runs it under unshare/chroot, so a change here is tested without a container engine.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# .cargo/config.toml makes this build static; the check fails the image build if it is not.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && bin="target/$(rustc -vV | sed -n 's/^host: //p')/release/commerce-auth-mock" \
    && ldd "$bin" 2>&1 | grep -Eq 'statically linked|not a dynamic executable' \
    && install -D "$bin" /out/commerce-auth-mock

FROM scratch
# For `conform` against HTTPS targets (the built-in roots plus the system bundle are trusted).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/commerce-auth-mock /commerce-auth-mock
# Numeric, so no /etc/passwd is needed and Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["/commerce-auth-mock", "health"]
ENTRYPOINT ["/commerce-auth-mock"]
# Every interface of the container: reachable through `docker run -p`. The control API is then
# open to whoever reaches the port (README, "Container image"); publish on 127.0.0.1 or set
# COMMERCE_AUTH_MOCK_CONTROL_TOKEN.
CMD ["serve", "--host", "0.0.0.0", "--dangerously-allow-open-control"]
