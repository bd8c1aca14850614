#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking Arca needs.
# Idempotent and fast when everything is present: it only calls apt-get for what is missing.
# (--bench is accepted for compatibility: everything `make bench` needs is in the normal set.)
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ cmake ninja-build ccache pkg-config git
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev liblmdb-dev libspdlog-dev libfmt-dev libcrypt-dev
  libpq-dev libmariadb-dev libsodium-dev libtcmalloc-minimal4
  # the .tar.gz bundle of `arca debug`
  libarchive-dev
  # seals: OpenPGP for encrypted key shares (GnuPG via gpgme), PKCS#11 headers; SoftHSM2 for its tests
  libgpgme-dev gnupg libp11-kit-dev softhsm2
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  wrk nginx-light curl python3 procps lmdb-utils openssl
  # the hvac suites (tests/hvac): Python hvac 0.11 and cryptography, for /usr/bin/python3
  python3-hvac python3-cryptography
  # identity tokens (tests/hvac/test_identity_tokens.py): PyJWT verifies them against the JWKS
  python3-jwt
  # real services the tests start on loopback (database engine), promtool (metrics), an ACME client
  postgresql mariadb-server prometheus lego
  # storage "etcd": etcd members the tests start (etcd 3.4), etcdctl for the tests and debugging
  etcd-server etcd-client
  # storage "etcd" speaks gRPC: libgrpc++ and protoc's gRPC plugin; etcd's .proto files
  # (etcdserverpb/rpc.proto, mvccpb, authpb), which pull in the gogoproto and grpc-gateway
  # (google/api/annotations.proto) packages they import; the stubs are generated at build time
  libgrpc++-dev protobuf-compiler-grpc golang-etcd-server-dev
  golang-github-gogo-protobuf-dev golang-github-grpc-ecosystem-grpc-gateway-dev
  # the ldap auth method on OpenLDAP's libldap; slapd (installed noninteractively: its debconf
  # defaults, the system instance is never used) and ldap-utils (ldapadd) for its tests
  libldap-dev slapd ldap-utils
  # the libFuzzer engine (fuzz/), linked into a GCC-instrumented target; objcopy from binutils
  libclang-rt-14-dev binutils
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
