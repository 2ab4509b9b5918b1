#include "core/repository/repository_index.h"

#include <set>

#include "core/base/file_io.h"
#include "core/base/hex.h"
#include "core/base/json_reader.h"
#include "core/base/names.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_signature.h"
#include "core/bundle/manifest.h"
#include "core/bundle/manifest_rules.h"
#include "core/repository/error_codes.h"

namespace hotsplice::repository {
namespace {

// Every parse problem is one code for the operator ("the index is malformed") while the
// message keeps the field path the JSON reader put in it.
Error malformed(const Error& cause) {
  return Error(errc::kIndexMalformed, cause.message());
}

bool is_sha256_hex(std::string_view text) {
  return is_lower_hex(text, 64);
}

bool is_bundle_file_name(std::string_view name) {
  return name.size() <= kMaxBundleFileNameLength && is_safe_file_name(name) &&
         !name.starts_with(".") && name.ends_with(kBundleFileExtension) &&
         name.size() > kBundleFileExtension.size();
}

Expected<Seconds> read_time(const JsonObject& object, std::string_view key) {
  auto text =
      object.string_of_form(key, 20, is_valid_utc_timestamp, "a UTC time as YYYY-MM-DDTHH:MM:SSZ");
  if (!text) return text.error();
  auto seconds = parse_utc_timestamp(*text);
  if (!seconds) return object.invalid(key, "\"" + *text + "\" is not a day of the calendar");
  return Seconds(std::chrono::seconds(*seconds));
}

Expected<IndexEntry> read_entry(const Json& item, const std::string& path) {
  auto object = JsonObject::from(item, path);
  if (!object) return object.error();
  if (Status known = object->only_fields({"id", "file", "sha256", "size", "target", "cves"});
      !known) {
    return known.error();
  }
  IndexEntry entry;
  auto id = object->string_of_form("id", kMaxBundleIdLength, is_valid_bundle_id,
                                   "a bundle id, [A-Za-z0-9._-]{1,64} not starting with '.'");
  if (!id) return id.error();
  entry.id = std::move(*id);
  auto file = object->string_of_form("file", kMaxBundleFileNameLength, is_bundle_file_name,
                                     "a plain file name ending in .hsb");
  if (!file) return file.error();
  entry.file = std::move(*file);
  auto sha256 = object->string_of_form("sha256", 64, is_sha256_hex, "64 lower-case hex digits");
  if (!sha256) return sha256.error();
  entry.sha256 = std::move(*sha256);
  auto size = object->unsigned_integer("size", max_bundle_bytes());
  if (!size) return size.error();
  if (*size < kBundleHeaderSize) return object->invalid("size", "smaller than a bundle header");
  entry.size = *size;
  auto target = object->object("target");
  if (!target) return target.error();
  if (Status known = target->only_fields({"release", "version", "build_id"}); !known) {
    return known.error();
  }
  auto identity = kernel_identity_from_json(*target);
  if (!identity) return identity.error();
  entry.target = std::move(*identity);
  auto cves = object->string_array("cves", kMaxCves, 16);
  if (!cves) return cves.error();
  for (const auto& cve : *cves) {
    if (!is_valid_cve(cve)) return object->invalid("cves", "\"" + cve + "\" is not a CVE id");
  }
  entry.cves = std::move(*cves);
  return entry;
}

Status read_fields(const JsonObject& root, RepositoryIndex& index) {
  auto schema = root.unsigned_integer("schema");
  if (!schema) return schema.error();
  if (*schema != kIndexSchemaVersion) {
    return Error(errc::kIndexUnsupportedSchema,
                 "index.schema: version " + std::to_string(*schema) +
                     " is not supported (this hotsplice reads version " +
                     std::to_string(kIndexSchemaVersion) + ")");
  }
  if (Status known = root.only_fields({"schema", "version", "generated", "expires", "bundles"});
      !known) {
    return known;
  }
  auto version = root.unsigned_integer("version");
  if (!version) return version.error();
  if (*version == 0) return root.invalid("version", "must be at least 1");
  index.version = *version;
  auto generated = read_time(root, "generated");
  if (!generated) return generated.error();
  index.generated = *generated;
  auto expires = read_time(root, "expires");
  if (!expires) return expires.error();
  if (*expires <= *generated) return root.invalid("expires", "not after \"generated\"");
  index.expires = *expires;
  std::set<std::string> ids;
  std::set<std::string> files;
  return root.each_array_item(
      "bundles", kMaxIndexEntries, [&](const Json& item, const std::string& path) -> Status {
        auto entry = read_entry(item, path);
        if (!entry) return entry.error();
        if (!ids.insert(entry->id).second) {
          return Error(errc::kIndexMalformed, path + ".id: \"" + entry->id + "\" listed twice");
        }
        if (!files.insert(entry->file).second) {
          return Error(errc::kIndexMalformed, path + ".file: \"" + entry->file + "\" listed twice");
        }
        index.bundles.push_back(std::move(*entry));
        return Status::ok();
      });
}

Json to_json(const IndexEntry& entry) {
  return Json{{"id", entry.id},
              {"file", entry.file},
              {"sha256", entry.sha256},
              {"size", entry.size},
              {"target", hotsplice::to_json(entry.target)},
              {"cves", entry.cves}};
}

}  // namespace

std::string format_time(Seconds time) {
  return format_utc_timestamp(time.time_since_epoch().count());
}

Expected<RepositoryIndex> parse_index(std::string_view bytes) {
  if (bytes.size() > kMaxIndexBytes) {
    return Error(errc::kIndexMalformed, "index: " + std::to_string(bytes.size()) +
                                            " bytes, larger than the limit of " +
                                            std::to_string(kMaxIndexBytes));
  }
  auto json = parse_json(bytes, "index", 8);
  if (!json) return malformed(json.error());
  auto root = JsonObject::from(*json, "index");
  if (!root) return malformed(root.error());
  RepositoryIndex index;
  if (Status read = read_fields(*root, index); !read) {
    const Error& error = read.error();
    if (error.code() == errc::kIndexUnsupportedSchema) return error;
    return malformed(error);
  }
  return index;
}

Expected<std::string> serialize_index(const RepositoryIndex& index) {
  Json bundles = Json::array();
  for (const auto& entry : index.bundles) bundles.push_back(to_json(entry));
  Json document{{"schema", index.schema},
                {"version", index.version},
                {"generated", format_time(index.generated)},
                {"expires", format_time(index.expires)},
                {"bundles", std::move(bundles)}};
  std::string text = document.dump(2) + "\n";
  auto reread = parse_index(text);
  if (!reread) return reread.error();
  if (!(*reread == index)) {
    return Error(errc::kIndexMalformed,
                 "index: a time is not in whole seconds or a field does not survive writing");
  }
  return text;
}

Expected<SignedIndex> verify_index(std::string_view index_bytes, std::string_view signature,
                                   const TrustedKeys& keys) {
  if (signature.size() > kMaxSignatureBytes) {
    return Error(errc::kIndexSignatureMalformed, std::string(kIndexSignatureFileName) +
                                                     ": larger than " +
                                                     std::to_string(kMaxSignatureBytes) + " bytes");
  }
  auto parsed = parse_signature(signature);
  if (!parsed) {
    return Error(errc::kIndexSignatureMalformed,
                 std::string(kIndexSignatureFileName) + ": " + parsed.error().message());
  }
  const Ed25519PublicKey* key = keys.find(parsed->key_id);
  if (key == nullptr) {
    return Error(errc::kIndexUnknownKey,
                 "the index is signed by key " + parsed->key_id + ", which is not among the " +
                     std::to_string(keys.size()) + " trusted keys in " + keys.directory().string());
  }
  if (!key->verify(index_bytes, parsed->signature)) {
    return Error(errc::kIndexBadSignature,
                 "the signature by key " + parsed->key_id +
                     " does not match index.json: the index was altered, or index.json and "
                     "index.sig come from different publications");
  }
  auto index = parse_index(index_bytes);
  if (!index) return index.error();
  return SignedIndex{std::move(*index), parsed->key_id};
}

Expected<std::string> sign_index(std::string_view index_bytes, const Ed25519PrivateKey& key) {
  // The bundle signature document signs any exact bytes; here they are index.json's.
  return sign_manifest(key, index_bytes);
}

Status check_index_freshness(const RepositoryIndex& index, std::uint64_t highest_accepted,
                             Seconds now) {
  if (index.version < highest_accepted) {
    return Error(errc::kIndexReplayed, "the repository serves index version " +
                                           std::to_string(index.version) + ", older than version " +
                                           std::to_string(highest_accepted) +
                                           " accepted before: a mirror is replaying an old index");
  }
  if (index.expires <= now) {
    return Error(errc::kIndexExpired, "index version " + std::to_string(index.version) +
                                          " expired at " + format_time(index.expires) + " (now " +
                                          format_time(now) +
                                          "): the repository or its mirror is not being updated");
  }
  if (index.generated > now + kAllowedClockSkew) {
    return Error(errc::kIndexFromFuture,
                 "index version " + std::to_string(index.version) + " was generated at " +
                     format_time(index.generated) + ", after now (" + format_time(now) +
                     ") by more than " + std::to_string(kAllowedClockSkew.count()) +
                     " s: check this machine's clock and the publisher's");
  }
  return Status::ok();
}

}  // namespace hotsplice::repository
