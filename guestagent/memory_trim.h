// Gives freed heap pages back to the kernel (glibc's malloc_trim), so an idle agent's RSS does
// not keep the high-water mark of its last session or bundle.
//
// Not under AddressSanitizer: ASan replaces malloc, glibc's own arenas are never set up, and
// malloc_trim then walks an uninitialised arena list (SEGV in mtrim, seen in the fault tests'
// simulated guests when a session ended on a thread). GCC says ASan with
// __SANITIZE_ADDRESS__, clang with __has_feature(address_sanitizer).
#pragma once

#include <malloc.h>

#if defined(__SANITIZE_ADDRESS__)
#define HOTSPLICE_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOTSPLICE_UNDER_ASAN 1
#endif
#endif

namespace hotsplice::guestd {

inline void give_back_free_memory() {
#ifndef HOTSPLICE_UNDER_ASAN
  ::malloc_trim(0);
#endif
}

}  // namespace hotsplice::guestd
