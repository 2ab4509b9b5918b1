#include "kmod/target_kernel/kallsyms_tables.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

#include "kmod/target_kernel/error_codes.h"
#include "kmod/target_kernel/vmlinux_sections.h"

namespace hotsplice::target_kernel {
namespace {

constexpr std::size_t kTokens = 256;
constexpr std::size_t kSymbolsPerMarker = 256;
// scripts/kallsyms.c aligns every table it emits to 8 bytes on 64-bit kernels.
constexpr std::size_t kTableAlignment = 8;
// The names table of a distribution kernel is 1-3 MB; the search for its start stops here.
constexpr std::size_t kMaxNamesBytes = std::size_t{32} << 20;
// Kernel text of x86-64 lives in the top 2 GB.
constexpr std::uint64_t kKernelTextFloor = 0xffffffff80000000ull;

Error not_found(const std::string& what) {
  return Error(errc::kKallsymsNotFound, "kallsyms tables in the kernel image: " + what);
}

template <typename T>
std::optional<T> load(std::string_view bytes, std::size_t offset) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return std::nullopt;
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

std::size_t align_up(std::size_t value) {
  return (value + kTableAlignment - 1) / kTableAlignment * kTableAlignment;
}

// The .rodata section of the decompressed vmlinux (the tables are const data), or the
// whole buffer at an unknown address when it has no section headers.
VmlinuxSection rodata_of(std::string_view vmlinux) {
  return find_vmlinux_section(vmlinux, ".rodata").value_or(VmlinuxSection{vmlinux, 0});
}

struct TokenTable {
  std::size_t begin = 0;
  std::size_t end = 0;  // just past the last token's NUL
  std::array<std::string_view, kTokens> tokens;
  std::array<std::uint16_t, kTokens> offsets{};
};

// From the start of token 0x30 ("0"), back over 0x30 NUL-terminated non-empty tokens to the
// table's start, then forward over all 256.
std::optional<TokenTable> token_table_at(std::string_view rodata, std::size_t digit_zero) {
  std::size_t start = digit_zero;
  for (int i = 0; i < '0'; ++i) {
    if (start < 2 || rodata[start - 1] != '\0' || rodata[start - 2] == '\0') return std::nullopt;
    std::size_t previous = start - 2;
    while (previous > 0 && rodata[previous - 1] != '\0') --previous;
    start = previous;
  }
  TokenTable table;
  table.begin = start;
  std::size_t at = start;
  for (std::size_t i = 0; i < kTokens; ++i) {
    const std::size_t nul = rodata.find('\0', at);
    if (nul == std::string_view::npos || nul == at || at - start > 0xffff) return std::nullopt;
    table.tokens[i] = rodata.substr(at, nul - at);
    table.offsets[i] = static_cast<std::uint16_t>(at - start);
    at = nul + 1;
  }
  table.end = at;
  return table;
}

// kallsyms_token_index follows the token table: the offset of each token, as u16.
std::optional<std::size_t> token_index_after(std::string_view rodata, const TokenTable& table) {
  for (std::size_t at = (table.end + 1) & ~std::size_t{1}; at <= align_up(table.end); at += 2) {
    bool matches = true;
    for (std::size_t i = 0; matches && i < kTokens; ++i) {
      auto value = load<std::uint16_t>(rodata, at + 2 * i);
      matches = value && *value == table.offsets[i];
    }
    if (matches) return at + 2 * kTokens;
  }
  return std::nullopt;
}

struct Markers {
  std::size_t begin = 0;
  std::vector<std::uint64_t> values;  // offset of symbol 256*k in kallsyms_names
  // Bytes between the markers and the token table that kallsyms_seqs_of_names fills (3
  // bytes per symbol, 8-aligned), 0 when the token table follows the markers directly.
  std::size_t seqs_bytes = 0;
};

// kallsyms_markers (.long entries, markers[0] == 0, strictly increasing) ends right before
// the token table (6.12), or before kallsyms_seqs_of_names, which some 6.1 stable kernels
// place between the two (Debian's 6.1.192 does). Candidates for both are returned; the
// names walk decides.
std::vector<Markers> markers_before(std::string_view rodata, std::size_t table_begin) {
  std::vector<Markers> found;
  const std::size_t floor = table_begin > kMaxNamesBytes ? table_begin - kMaxNamesBytes : 0;
  for (std::size_t begin = table_begin / kTableAlignment * kTableAlignment; begin >= floor + 8;) {
    begin -= kTableAlignment;
    if (load<std::uint32_t>(rodata, begin).value_or(1) != 0) continue;
    std::vector<std::uint64_t> values{0};
    for (std::size_t at = begin + 4; at + 4 <= table_begin; at += 4) {
      const std::uint32_t value = *load<std::uint32_t>(rodata, at);
      if (value <= values.back()) break;
      values.push_back(value);
    }
    // Each length the increasing run allows, longest first, that leaves a gap to the token
    // table of either padding only or exactly a seqs table for that many symbols.
    for (std::size_t count = values.size(); count >= 2; --count) {
      const std::size_t end = align_up(begin + 4 * count);
      if (end > table_begin) continue;
      const std::size_t gap = table_begin - end;
      const std::size_t fewest = (count - 1) * kSymbolsPerMarker + 1;
      const std::size_t most = count * kSymbolsPerMarker;
      if (gap == 0 || (gap >= align_up(3 * fewest) && gap <= align_up(3 * most))) {
        found.push_back(Markers{begin, {values.begin(), values.begin() + count}, gap});
      }
    }
  }
  return found;
}

// One entry of kallsyms_names: its length (one byte, or two when the first has bit 7 set,
// as Linux 6.1 writes names longer than 127 tokens) and the token numbers.
struct NameEntry {
  std::size_t tokens_begin = 0;
  std::size_t length = 0;
};

std::optional<NameEntry> name_entry_at(std::string_view names, std::size_t at) {
  if (at >= names.size()) return std::nullopt;
  std::size_t length = static_cast<unsigned char>(names[at]);
  std::size_t header = 1;
  if (length & 0x80) {
    if (at + 1 >= names.size()) return std::nullopt;
    length = (length & 0x7f) | (std::size_t{static_cast<unsigned char>(names[at + 1])} << 7);
    header = 2;
  }
  if (length == 0 || names.size() - at - header < length) return std::nullopt;
  return NameEntry{at + header, length};
}

// Walks `count` names from `begin`, checking every 256th against the markers; the walk must
// end at the markers (less their padding). Returns the start offset of each name.
std::optional<std::vector<std::size_t>> walk_names(std::string_view rodata, std::size_t begin,
                                                   std::size_t count, const Markers& markers) {
  std::vector<std::size_t> starts;
  starts.reserve(count);
  const std::string_view names = rodata.substr(0, markers.begin);
  std::size_t at = begin;
  for (std::size_t i = 0; i < count; ++i) {
    if (i % kSymbolsPerMarker == 0 && at - begin != markers.values[i / kSymbolsPerMarker]) {
      return std::nullopt;
    }
    auto entry = name_entry_at(names, at);
    if (!entry) return std::nullopt;
    starts.push_back(at);
    at = entry->tokens_begin + entry->length;
  }
  if (align_up(at) != markers.begin) return std::nullopt;
  return starts;
}

struct Names {
  std::size_t num_syms_at = 0;
  std::vector<std::size_t> starts;
};

// kallsyms_num_syms (.long, padded to 8) sits right before kallsyms_names. The names
// table is at least as long as the last marker says and at most 256 names longer;
// candidates are the 8-aligned places in that window where a count that fits the markers
// (and the seqs table, if any) is stored. The first whose names walk agrees with every
// marker wins.
std::optional<Names> names_before(std::string_view rodata, const Markers& markers) {
  const std::size_t most = markers.values.size() * kSymbolsPerMarker;
  const std::size_t fewest = (markers.values.size() - 1) * kSymbolsPerMarker + 1;
  const std::size_t shortest = static_cast<std::size_t>(markers.values.back());
  if (shortest + 8 > markers.begin) return std::nullopt;
  const std::size_t latest = (markers.begin - shortest) / kTableAlignment * kTableAlignment;
  const std::size_t window = kSymbolsPerMarker * 0x4000;  // 256 names of the longest kind
  const std::size_t earliest = latest > window + 8 ? latest - window : 8;
  for (std::size_t begin = latest; begin >= earliest; begin -= kTableAlignment) {
    auto count = load<std::uint32_t>(rodata, begin - 8);
    auto padding = load<std::uint32_t>(rodata, begin - 4);
    if (!count || !padding || *padding != 0 || *count < fewest || *count > most) continue;
    if (markers.seqs_bytes != 0 && align_up(3 * std::size_t{*count}) != markers.seqs_bytes) {
      continue;
    }
    if (auto starts = walk_names(rodata, begin, *count, markers)) {
      return Names{begin - 8, std::move(*starts)};
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::uint64_t>> addresses_at(std::string_view rodata,
                                                       std::size_t offsets_begin, std::size_t count,
                                                       const KallsymsLayout& layout) {
  auto base = load<std::uint64_t>(rodata, align_up(offsets_begin + 4 * count));
  if (!base || *base < kKernelTextFloor) return std::nullopt;
  std::vector<std::uint64_t> addresses;
  addresses.reserve(count);
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto offset = load<std::int32_t>(rodata, offsets_begin + 4 * i);
    if (!offset) return std::nullopt;
    std::uint64_t address;
    if (!layout.absolute_percpu) {
      address = *base + static_cast<std::uint32_t>(*offset);
    } else if (*offset >= 0) {
      address = static_cast<std::uint64_t>(*offset);
    } else {
      address = *base - 1 - static_cast<std::uint64_t>(static_cast<std::int64_t>(*offset));
    }
    // kallsyms is sorted by address: anything else is not the offsets table.
    if (address < previous) return std::nullopt;
    previous = address;
    addresses.push_back(address);
  }
  // A run of zeros is sorted too: most symbols must be kernel addresses.
  std::size_t in_kernel = 0;
  for (std::uint64_t address : addresses) in_kernel += address >= kKernelTextFloor;
  if (in_kernel * 2 < addresses.size()) return std::nullopt;
  return addresses;
}

// kallsyms_offsets and kallsyms_relative_base: before kallsyms_num_syms in Linux 6.1,
// after kallsyms_token_index in later kernels. Both places are tried.
std::optional<std::vector<std::uint64_t>> addresses_of(std::string_view rodata, const Names& names,
                                                       std::size_t token_index_end,
                                                       const KallsymsLayout& layout) {
  const std::size_t count = names.starts.size();
  const std::size_t offsets_bytes = align_up(4 * count);
  if (names.num_syms_at >= offsets_bytes + 8) {
    if (auto found = addresses_at(rodata, names.num_syms_at - 8 - offsets_bytes, count, layout)) {
      return found;
    }
  }
  return addresses_at(rodata, align_up(token_index_end), count, layout);
}

// With CONFIG_KALLSYMS_ALL the tables list themselves: kallsyms_token_table must be
// exactly where it was found. A table that says otherwise was misread.
bool places_token_table_right(const std::vector<KallsymsEntry>& entries,
                              const VmlinuxSection& rodata, std::size_t table_begin) {
  if (rodata.address == 0) return true;
  for (const KallsymsEntry& entry : entries) {
    if (entry.name == "kallsyms_token_table") return entry.address == rodata.address + table_begin;
  }
  return true;  // built without CONFIG_KALLSYMS_ALL: data symbols are not listed
}

std::optional<std::vector<KallsymsEntry>> decode(const VmlinuxSection& rodata,
                                                 const TokenTable& table, std::size_t index_end,
                                                 const KallsymsLayout& layout) {
  const std::string_view bytes = rodata.bytes;
  for (const Markers& markers : markers_before(bytes, table.begin)) {
    auto names = names_before(bytes, markers);
    if (!names) continue;
    auto addresses = addresses_of(bytes, *names, index_end, layout);
    if (!addresses) continue;
    std::vector<KallsymsEntry> entries;
    entries.reserve(names->starts.size());
    for (std::size_t i = 0; i < names->starts.size(); ++i) {
      const NameEntry entry = *name_entry_at(bytes.substr(0, markers.begin), names->starts[i]);
      std::string expanded;
      for (std::size_t t = 0; t < entry.length; ++t) {
        expanded += table.tokens[static_cast<unsigned char>(bytes[entry.tokens_begin + t])];
      }
      if (expanded.size() < 2) return std::nullopt;
      entries.push_back({(*addresses)[i], expanded[0], expanded.substr(1)});
    }
    if (places_token_table_right(entries, rodata, table.begin)) return entries;
  }
  return std::nullopt;
}

}  // namespace

Expected<std::vector<KallsymsEntry>> read_kallsyms_tables(std::string_view vmlinux,
                                                          const KallsymsLayout& layout) {
  const VmlinuxSection rodata = rodata_of(vmlinux);
  static constexpr std::string_view kDigits{
      "0\0"
      "1\0"
      "2\0"
      "3\0"
      "4\0"
      "5\0"
      "6\0"
      "7\0"
      "8\0"
      "9\0",
      20};
  const std::string_view bytes = rodata.bytes;
  bool saw_token_table = false;
  for (std::size_t at = bytes.find(kDigits); at != std::string_view::npos;
       at = bytes.find(kDigits, at + 1)) {
    auto table = token_table_at(bytes, at);
    if (!table) continue;
    auto index_end = token_index_after(bytes, *table);
    if (!index_end) continue;
    saw_token_table = true;
    if (auto entries = decode(rodata, *table, *index_end, layout)) return std::move(*entries);
  }
  return not_found(saw_token_table
                       ? "a token table, but no markers, names and sorted offsets that agree "
                         "with it"
                       : "no kallsyms_token_table (was the kernel built with CONFIG_KALLSYMS?)");
}

std::string kallsyms_text(const std::vector<KallsymsEntry>& entries) {
  std::string text;
  text.reserve(entries.size() * 40);
  char address[32];
  for (const KallsymsEntry& entry : entries) {
    std::snprintf(address, sizeof address, "%016" PRIx64 " ", entry.address);
    text += address;
    text += entry.type;
    text += ' ';
    text += entry.name;
    text += '\n';
  }
  return text;
}

}  // namespace hotsplice::target_kernel
