// StateArena: blocks keep their bytes through resizes across size classes
// and into malloc's range, freed blocks are reused, and chunks are only
// taken when the free lists have nothing of the size.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "runtime/lua/state_arena.h"

using agentry::lua::StateArena;

BOOST_AUTO_TEST_CASE(a_freed_block_is_reused_for_the_same_size_class) {
  StateArena arena;
  void* a = arena.allocate(40);
  BOOST_REQUIRE(a);
  arena.release(a, 40);
  BOOST_CHECK_EQUAL(arena.allocate(33), a);  // 33 and 40 bytes share the 48-byte class
  BOOST_CHECK_NE(arena.allocate(40), a);
}

BOOST_AUTO_TEST_CASE(resizing_keeps_the_bytes_across_classes_and_into_malloc) {
  StateArena arena;
  std::string expected;
  auto* p = static_cast<char*>(arena.allocate(1));
  p[0] = 'a';
  expected = "a";
  // 1 → 2 → 4 … → 4096 bytes: small classes, then malloc's range, then back down.
  for (size_t size = 2; size <= 4096; size *= 2) {
    p = static_cast<char*>(arena.resize(p, size / 2, size));
    BOOST_REQUIRE(p);
    BOOST_REQUIRE(std::memcmp(p, expected.data(), expected.size()) == 0);
    for (size_t i = expected.size(); i < size; ++i) expected.push_back(static_cast<char>('a' + i % 26));
    std::memcpy(p, expected.data(), size);
  }
  p = static_cast<char*>(arena.resize(p, 4096, 100));
  BOOST_REQUIRE(p);
  BOOST_CHECK(std::memcmp(p, expected.data(), 100) == 0);
  arena.release(p, 100);
}

BOOST_AUTO_TEST_CASE(blocks_are_aligned_and_do_not_overlap) {
  StateArena arena;
  std::vector<std::pair<unsigned char*, size_t>> blocks;
  for (size_t i = 0; i < 5000; ++i) {
    const size_t size = 1 + (i * 37) % StateArena::kLargest;
    auto* p = static_cast<unsigned char*>(arena.allocate(size));
    BOOST_REQUIRE(p);
    BOOST_REQUIRE_EQUAL(reinterpret_cast<uintptr_t>(p) % 16, 0u);
    std::memset(p, static_cast<int>(i & 0xff), size);
    blocks.emplace_back(p, size);
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto [p, size] = blocks[i];
    for (size_t b = 0; b < size; ++b) BOOST_REQUIRE_EQUAL(p[b], static_cast<unsigned char>(i & 0xff));
  }
  const size_t held = arena.chunk_bytes();
  for (const auto& [p, size] : blocks) arena.release(p, size);
  // The same sizes again come from the free lists: no new chunk.
  for (size_t i = 0; i < 5000; ++i) BOOST_REQUIRE(arena.allocate(1 + (i * 37) % StateArena::kLargest));
  BOOST_CHECK_EQUAL(arena.chunk_bytes(), held);
}
