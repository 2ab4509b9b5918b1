// A parser for a sequence of ELF notes, as the kernel exports its own note section in
// /sys/kernel/notes. The bytes are untrusted (a recorded tree, a guest's report): every
// size is checked against what is left before it is used, and nothing is read past the end.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

// NT_GNU_BUILD_ID from <elf.h>, repeated so callers need not include it.
inline constexpr std::uint32_t kNoteTypeGnuBuildId = 3;
// Build-ids are 16 (md5) or 20 (sha1) bytes in practice; 64 leaves room for longer hashes
// while keeping the hex form within kMaxBuildIdLength.
inline constexpr std::size_t kMaxBuildIdBytes = 64;

struct ElfNote {
  std::string name;  // without the terminating NUL, e.g. "GNU", "Linux", "Xen"
  std::uint32_t type = 0;
  std::vector<std::uint8_t> desc;
  std::size_t offset = 0;  // where its header starts, for error messages
};

// Splits bytes (in the host's byte order, 4-byte aligned as on x86_64 kernels) into notes.
// Fails with "notes_truncated" when a header or a padded name/desc runs past the end, and
// "notes_malformed" when a name is not NUL-terminated. what names the source in errors.
Expected<std::vector<ElfNote>> parse_elf_notes(std::span<const std::uint8_t> bytes,
                                               std::string_view what);

// The lower-case hex GNU build-id among notes. Fails with "build_id_missing" when there is
// none, and "build_id_invalid" when it is empty, longer than kMaxBuildIdBytes, or repeated
// with a different value.
Expected<std::string> find_gnu_build_id(const std::vector<ElfNote>& notes, std::string_view what);

// parse_elf_notes then find_gnu_build_id.
Expected<std::string> gnu_build_id_from_notes(std::span<const std::uint8_t> bytes,
                                              std::string_view what);

}  // namespace hotsplice
