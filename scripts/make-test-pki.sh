#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A TEST-ONLY PKI for iedd's TLS (doc/tls.md), made with GnuTLS's certtool.
# NOT FOR PRODUCTION: the keys are unprotected and the CA is throw-away.
#
#   scripts/make-test-pki.sh DIR
#
# writes into DIR the names iedd --tls-dir reads (ca.pem, server.pem,
# server.key, crl.pem) and, for clients and tests, one pair per case:
#   client.pem/.key           RSA 2048, signed by the CA (the good case)
#   client-ecdsa.pem/.key     ECDSA P-256, signed by the CA
#   client-other.pem/.key     RSA 2048, signed by another CA (other-ca.pem)
#   client-expired.pem/.key   expired in 2021
#   client-revoked.pem/.key   listed in crl.pem
#   client-rsa1024.pem/.key   RSA 1024
#   client-oversize.pem/.key  a certificate of more than 8192 octets
#   client2.pem/.key          a second good client (pinning tests)
# and server-ecdsa.pem/.key, an ECDSA P-256 server certificate for
# "localhost" (the TLS benchmark's ECDSA handshakes), and two clients with
# the IEC 62351-8 role extension (1.2.840.10070.8.1, IECUserRoles):
#   client-roles.pem/.key     OPERATOR for area "iedd-test", valid 2020-2099
#   client-noroles.pem/.key   ENGINEER for "iedd-test" that ended in 2021,
#                             ENGINEER for area "other-plant", role ID 7
#                             (none of them usable at "iedd-test")
set -eu
dir=${1:?usage: make-test-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
q() { "$@" >/dev/null 2>&1 || { echo "make-test-pki: failed: $*" >&2; "$@" >&2; exit 1; }; }

key() { # name [rsa bits | ecdsa]
	case $2 in
	ecdsa) q certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$1.key" ;;
	*) q certtool --generate-privkey --key-type rsa --bits "$2" --outfile "$1.key" ;;
	esac
}

ca() { # name cn
	key "$1" 2048
	cat >"$1.tmpl" <<T
cn = "$2 (iedd TEST ONLY)"
organization = "iedd test PKI, not for production"
serial = 1
expiration_days = 3650
ca
cert_signing_key
crl_signing_key
T
	q certtool --generate-self-signed --load-privkey "$1.key" --template "$1.tmpl" --outfile "$1.pem"
	mv "$1.key" "$1-key.pem"
}

cert() { # name cn ca keykind serial [extra template lines...]
	n=$1 cn=$2 c=$3 kind=$4 serial=$5
	shift 5
	key "$n" "$kind"
	{
		echo "cn = \"$cn\""
		echo "organization = \"iedd test PKI, not for production\""
		echo "serial = $serial"
		echo "signing_key"
		echo "encryption_key"
		for l in "$@"; do echo "$l"; done
	} >"$n.tmpl"
	grep -q '_date\|expiration_days' "$n.tmpl" || echo "expiration_days = 825" >>"$n.tmpl"
	q certtool --generate-certificate --load-privkey "$n.key" --load-ca-certificate "$c.pem" \
		--load-ca-privkey "$c-key.pem" --template "$n.tmpl" --outfile "$n.pem"
}

ca ca "iedd test CA"
ca other-ca "iedd other test CA"
cert server "localhost" ca 2048 10 tls_www_server 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' 'ip_address = "::1"'
cert server-ecdsa "localhost" ca ecdsa 19 tls_www_server 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' 'ip_address = "::1"'
cert client "scada-1" ca 2048 11 tls_www_client
# IECUserRoles ::= SEQUENCE OF SEQUENCE { userRole SEQUENCE OF INTEGER,
#   aor UTF8String, revision INTEGER, validFrom, validTo GeneralizedTime }
roles_ok=3037303530030201010c09696564642d74657374020101180f32303230303130313030303030305a180f32303939313233313233353935395a
roles_no=3081a7303530030201020c09696564642d74657374020101180f32303230303130313030303030305a180f32303231303130313030303030305a303730030201020c0b6f746865722d706c616e74020101180f32303230303130313030303030305a180f32303939313233313233353935395a303530030201070c09696564642d74657374020101180f32303230303130313030303030305a180f32303939313233313233353935395a
cert client-roles "scada-roles" ca 2048 20 tls_www_client "add_extension = \"1.2.840.10070.8.1 0x$roles_ok\""
cert client-noroles "scada-noroles" ca 2048 21 tls_www_client "add_extension = \"1.2.840.10070.8.1 0x$roles_no\""
cert client2 "scada-2" ca 2048 12 tls_www_client
cert client-ecdsa "scada-ecdsa" ca ecdsa 13 tls_www_client
cert client-other "scada-other-ca" other-ca 2048 14 tls_www_client
cert client-expired "scada-expired" ca 2048 15 tls_www_client \
	'activation_date = "2019-01-01 00:00:00"' 'expiration_date = "2021-01-01 00:00:00"'
cert client-revoked "scada-revoked" ca 2048 16 tls_www_client
cert client-rsa1024 "scada-rsa1024" ca 1024 17 tls_www_client
# oversize: many long subject alternative names push the DER past 8192 octets
long=$(printf 'x%.0s' $(seq 1 60))
set -- tls_www_client
i=0
while [ $i -lt 140 ]; do set -- "$@" "dns_name = \"n$i.$long.example\""; i=$((i + 1)); done
cert client-oversize "scada-oversize" ca 2048 18 "$@"

cat >crl.tmpl <<T
crl_next_update = 365
crl_number = 1
T
q certtool --generate-crl --load-ca-privkey ca-key.pem --load-ca-certificate ca.pem \
	--load-certificate client-revoked.pem --template crl.tmpl --outfile crl.pem
rm -f ./*.tmpl
echo "test PKI (NOT FOR PRODUCTION) in $(pwd)"
