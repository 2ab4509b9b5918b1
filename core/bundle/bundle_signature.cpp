#include "core/bundle/bundle_signature.h"

#include <algorithm>

#include "core/base/hex.h"
#include "core/base/json_reader.h"
#include "core/bundle/error_codes.h"

namespace hotsplice {
namespace {

Error malformed(const Error& cause) {
  return Error(bundle::errc::kSignatureMalformed, cause.message());
}

}  // namespace

Expected<std::string> sign_manifest(const Ed25519PrivateKey& key, std::string_view manifest) {
  auto signature = key.sign(manifest);
  if (!signature) return signature.error();
  Json document{{"algorithm", "ed25519"},
                {"key_id", key.public_key().key_id()},
                {"signature", to_hex(*signature)}};
  return document.dump() + "\n";
}

Expected<BundleSignature> parse_signature(std::string_view document) {
  if (document.empty())
    return Error(bundle::errc::kSignatureMissing, "bundle carries no signature");
  auto json = parse_json(document, "signature", 2);
  if (!json) return malformed(json.error());
  auto root = JsonObject::from(*json, "signature");
  if (!root) return malformed(root.error());
  if (Status known = root->only_fields({"algorithm", "key_id", "signature"}); !known) {
    return malformed(known.error());
  }
  auto algorithm = root->string("algorithm", 16);
  if (!algorithm) return malformed(algorithm.error());
  if (*algorithm != "ed25519") {
    return Error(bundle::errc::kSignatureMalformed,
                 "signature.algorithm: \"" + *algorithm + "\" is not supported (only ed25519)");
  }
  BundleSignature signature;
  auto key_id = root->string("key_id", 16);
  if (!key_id) return malformed(key_id.error());
  if (!is_lower_hex(*key_id, 16)) {
    return malformed(root->invalid("key_id", "expected 16 lower-case hex digits"));
  }
  signature.key_id = std::move(*key_id);
  auto text = root->string("signature", 128);
  if (!text) return malformed(text.error());
  auto bytes = from_hex(*text);
  if (!bytes || bytes->size() != signature.signature.size()) {
    return malformed(root->invalid("signature", "expected 128 hex digits (64 bytes)"));
  }
  std::copy(bytes->begin(), bytes->end(), signature.signature.begin());
  return signature;
}

}  // namespace hotsplice
