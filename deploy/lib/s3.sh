# Shared by deploy/backup.sh (uploads) and deploy/restore.sh (downloads), sourced after pg-client.sh
# (for `die`): the S3 settings' checks, an object's URL, and one signed request with curl.
#   S3_BUCKET, S3_ENDPOINT_URL (path-style; unset: AWS, virtual-hosted style), AWS_REGION (us-east-1),
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
# shellcheck shell=bash

# SHA-256 of nothing: the payload hash of a GET.
readonly S3_EMPTY_PAYLOAD=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# Dies naming the first S3 setting that cannot work. GIVEN says where the bucket came from, for the
# message ("S3_BUCKET is set", "the dump is on s3://…").
s3_check_settings() {
  local given="$1"
  [[ "$S3_BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "bucket '$S3_BUCKET' is not a valid S3 bucket name"
  [[ "${S3_PREFIX:-}" =~ ^[A-Za-z0-9._/-]*$ ]] || die "S3_PREFIX may hold only letters, digits and . _ / -"
  [[ -n "${AWS_ACCESS_KEY_ID:-}" && -n "${AWS_SECRET_ACCESS_KEY:-}" ]] ||
    die "$given but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not"
}

# The URL of object KEY in $S3_BUCKET.
s3_object_url() {
  local key="$1"
  if [[ -n "${S3_ENDPOINT_URL:-}" ]]; then
    printf '%s/%s/%s\n' "${S3_ENDPOINT_URL%/}" "$S3_BUCKET" "$key"
  else
    printf 'https://%s.s3.%s.amazonaws.com/%s\n' "$S3_BUCKET" "${AWS_REGION:-us-east-1}" "$key"
  fi
}

# One SigV4-signed curl request: s3_curl URL PAYLOAD_HASH CURL_ARGS… Prints curl's output (its error
# text on failure) and returns curl's status. The credentials go in through stdin (-K -), not argv,
# where `ps` would show them; x-amz-content-sha256 is signed, and S3 checks a body against it.
s3_curl() {
  local url="$1" payload_hash="$2"
  shift 2
  printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" |
    curl --silent --show-error --fail-with-body --connect-timeout 10 --retry 2 \
      --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" -K - \
      -H "x-amz-content-sha256: ${payload_hash}" "$@" "$url" 2>&1
}
