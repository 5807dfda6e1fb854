#!/usr/bin/env bash
# Creates a throwaway PKI for development and tests with the openssl command:
#   ca.pem/ca.key                  the CA that signs the server and device certificates
#   server.pem/server.key          SAN DNS:localhost, IP:127.0.0.1
#   device.pem/device.key          URI SAN candor://tenant/<tenant>/device/<uuid>
#   rogue-ca.pem/rogue-ca.key      an unrelated CA, for negative tests
#   rogue-device.pem/rogue-device.key  a device certificate issued by the rogue CA
# Usage: scripts/dev-pki.sh DIR [TENANT]   (TENANT defaults to "demo")
# Keys are written with mode 0600. Never use these certificates in production.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
dir=$1
tenant=${2:-demo}
mkdir -p "$dir"
cd "$dir"
umask 077
days=30

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

new_ca() { # name subject
  new_key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days "$days" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

new_leaf() { # name ca subject extensions
  new_key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$3" -out "$1.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -days "$days" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

uuid() { cat /proc/sys/kernel/random/uuid; }

new_ca ca "Candor development CA"
new_leaf server ca "localhost" \
  $'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1'
device_uri="candor://tenant/$tenant/device/$(uuid)"
new_leaf device ca "device" $'extendedKeyUsage=clientAuth\nsubjectAltName=URI:'"$device_uri"

new_ca rogue-ca "Unrelated CA"
new_leaf rogue-device rogue-ca "device" \
  $'extendedKeyUsage=clientAuth\nsubjectAltName=URI:candor://tenant/'"$tenant/device/$(uuid)"

rm -f ./*.srl
chmod 600 ./*.key
chmod 644 ./*.pem
echo "$device_uri" > device.uri && chmod 644 device.uri
echo "created in $(pwd): ca, server, device ($device_uri), rogue-ca, rogue-device"
