# shellcheck shell=bash
# Certificate helpers for up.sh (sourced). ECDSA P-256 keys: fast to make, supported by every component.
# Certificates live one day: they exist only for one test run on loopback.

# new_ca DIR NAME CN: a self-signed CA as DIR/NAME.{crt,key}.
new_ca() {
  local dir="$1" name="$2" cn="$3"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -sha256 -days 1 \
    -subj "/CN=$cn" -keyout "$dir/$name.key" -out "$dir/$name.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# new_cert DIR NAME CA SUBJECT USAGES [SANS]: a leaf certificate DIR/NAME.{crt,key} signed by DIR/CA.
#   SUBJECT e.g. "/O=system:masters/CN=admin"; USAGES "serverAuth", "clientAuth" or both comma-separated;
#   SANS e.g. "IP:127.0.0.1,DNS:localhost".
new_cert() {
  local dir="$1" name="$2" ca="$3" subject="$4" usages="$5" sans="${6:-}" ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usages"
    [ -z "$sans" ] || echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj "$subject" \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -sha256 -days 1 -extfile "$ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
}

# new_kubeconfig FILE SERVER CA_FILE CERT_FILE KEY_FILE: a kubeconfig with everything embedded, so it stays valid
# wherever it is copied (the Pulumi provider reads it through KUBECONFIG).
new_kubeconfig() {
  local file="$1" server="$2" ca="$3" cert="$4" key="$5"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: genai-local
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 <"$ca")
users:
  - name: genai-local
    user:
      client-certificate-data: $(base64 -w0 <"$cert")
      client-key-data: $(base64 -w0 <"$key")
contexts:
  - name: genai-local
    context:
      cluster: genai-local
      user: genai-local
current-context: genai-local
EOF
  chmod 600 "$file"
}
