// The memory of one Lua state: blocks up to kLargest bytes are carved from
// 16 KiB chunks and recycled through a free list per 16-byte size class;
// larger ones come from malloc. The chunks go back when the arena is
// destroyed, after lua_close.
//
// Why: a job's state allocates and frees hundreds of thousands of small
// strings and tables (the replies it is handed, the prompts it builds), and
// lua_close frees every object one by one. Through glibc's malloc that was
// about a tenth of the engine's CPU in the throughput benchmark.
//
// Not thread-safe: a Lua state is used by one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

namespace agentry::lua {

class StateArena {
 public:
  static constexpr size_t kLargest = 512;

  StateArena() = default;
  StateArena(const StateArena&) = delete;
  StateArena& operator=(const StateArena&) = delete;

  // Null when memory is exhausted. `size` > 0.
  void* allocate(size_t size);
  // `p` came from allocate or resize with this `size`.
  void release(void* p, size_t size);
  // Like realloc: null (and `p` untouched) when memory is exhausted.
  void* resize(void* p, size_t old_size, size_t new_size);

  // Bytes held: chunks, free blocks in them included, and blocks from malloc.
  // Freed small blocks serve only their own size class, so a script that
  // churns through many sizes holds more than it uses: the sandbox's memory
  // limit counts this, not the bytes in use.
  size_t footprint() const { return chunks_.size() * kChunk + large_bytes_; }
  size_t chunk_bytes() const { return chunks_.size() * kChunk; }

 private:
  static constexpr size_t kGrain = 16;
  static constexpr size_t kChunk = 16 * 1024;
  static constexpr size_t class_of(size_t size) { return (size + kGrain - 1) / kGrain; }

  struct FreeChunk {
    void operator()(void* p) const { std::free(p); }
  };
  struct FreeBlock {
    FreeBlock* next;
  };

  std::array<FreeBlock*, kLargest / kGrain + 1> free_{};  // by class_of(size)
  std::vector<std::unique_ptr<void, FreeChunk>> chunks_;
  std::byte* next_ = nullptr;  // the current chunk's unused rest
  size_t left_ = 0;
  size_t large_bytes_ = 0;  // blocks over kLargest, from malloc
};

}  // namespace agentry::lua
