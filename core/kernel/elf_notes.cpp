#include "core/kernel/elf_notes.h"

#include <cstring>

#include "core/base/hex.h"
#include "core/kernel/error_codes.h"

namespace hotsplice {
namespace {

constexpr std::size_t kHeaderSize = 12;  // sizeof(Elf64_Nhdr) == sizeof(Elf32_Nhdr)

// Sizes are widened to 64 bits before padding so that namesz = 0xffffffff cannot wrap.
std::uint64_t padded_to_4(std::uint32_t size) {
  return (std::uint64_t{size} + 3) & ~std::uint64_t{3};
}

std::uint32_t read_u32(std::span<const std::uint8_t> bytes, std::size_t offset) {
  std::uint32_t value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

std::string at(std::string_view what, std::size_t offset) {
  return std::string(what) + ": note at offset " + std::to_string(offset);
}

}  // namespace

Expected<std::vector<ElfNote>> parse_elf_notes(std::span<const std::uint8_t> bytes,
                                               std::string_view what) {
  std::vector<ElfNote> notes;
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    std::size_t left = bytes.size() - offset;
    if (left < kHeaderSize) {
      return Error(kernel::errc::kNotesTruncated, at(what, offset) + ": header truncated (" +
                                                      std::to_string(left) + " of 12 bytes)");
    }
    std::uint32_t name_size = read_u32(bytes, offset);
    std::uint32_t desc_size = read_u32(bytes, offset + 4);
    ElfNote note;
    note.type = read_u32(bytes, offset + 8);
    note.offset = offset;
    left -= kHeaderSize;
    if (padded_to_4(name_size) > left) {
      return Error(kernel::errc::kNotesTruncated,
                   at(what, offset) + ": name size " + std::to_string(name_size) +
                       " runs past the end (" + std::to_string(left) + " bytes left)");
    }
    left -= padded_to_4(name_size);
    if (padded_to_4(desc_size) > left) {
      return Error(kernel::errc::kNotesTruncated,
                   at(what, offset) + ": desc size " + std::to_string(desc_size) +
                       " runs past the end (" + std::to_string(left) + " bytes left)");
    }
    const std::uint8_t* name = bytes.data() + offset + kHeaderSize;
    if (name_size > 0) {
      // The ELF spec counts the NUL in namesz; a name without one is not a note we wrote.
      if (name[name_size - 1] != 0) {
        return Error(kernel::errc::kNotesMalformed,
                     at(what, offset) + ": name is not NUL-terminated");
      }
      note.name.assign(reinterpret_cast<const char*>(name), name_size - 1);
    }
    const std::uint8_t* desc = name + padded_to_4(name_size);
    note.desc.assign(desc, desc + desc_size);
    offset += kHeaderSize + padded_to_4(name_size) + padded_to_4(desc_size);
    notes.push_back(std::move(note));
  }
  return notes;
}

Expected<std::string> find_gnu_build_id(const std::vector<ElfNote>& notes, std::string_view what) {
  const ElfNote* found = nullptr;
  for (const ElfNote& note : notes) {
    if (note.name != "GNU" || note.type != kNoteTypeGnuBuildId) continue;
    if (note.desc.empty() || note.desc.size() > kMaxBuildIdBytes) {
      return Error(kernel::errc::kBuildIdInvalid,
                   at(what, note.offset) + ": GNU build-id of " + std::to_string(note.desc.size()) +
                       " bytes (expected 1 to " + std::to_string(kMaxBuildIdBytes) + ")");
    }
    // Two different build-ids would make the identity ambiguous: refuse rather than pick.
    if (found != nullptr && found->desc != note.desc) {
      return Error(kernel::errc::kBuildIdInvalid,
                   at(what, note.offset) + ": a second GNU build-id differs from the one at " +
                       std::to_string(found->offset));
    }
    if (found == nullptr) found = &note;
  }
  if (found == nullptr) {
    return Error(kernel::errc::kBuildIdMissing, std::string(what) +
                                                    ": no GNU build-id note among " +
                                                    std::to_string(notes.size()) + " notes");
  }
  return to_hex(std::span<const std::uint8_t>(found->desc));
}

Expected<std::string> gnu_build_id_from_notes(std::span<const std::uint8_t> bytes,
                                              std::string_view what) {
  auto notes = parse_elf_notes(bytes, what);
  if (!notes) return notes.error();
  return find_gnu_build_id(*notes, what);
}

}  // namespace hotsplice
