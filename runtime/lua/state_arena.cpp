#include "runtime/lua/state_arena.h"

#include <algorithm>
#include <cstring>

namespace agentry::lua {

void* StateArena::allocate(size_t size) {
  if (size > kLargest) {
    void* p = std::malloc(size);
    if (p) large_bytes_ += size;
    return p;
  }
  const size_t cls = class_of(size);
  if (FreeBlock* block = free_[cls]) {
    free_[cls] = block->next;
    return block;
  }
  const size_t bytes = cls * kGrain;
  if (left_ < bytes) {
    // The old chunk's rest (under 512 bytes) is left unused.
    void* chunk = std::malloc(kChunk);  // malloc aligns to 16: so does every block
    if (!chunk) return nullptr;
    chunks_.emplace_back(chunk);
    next_ = static_cast<std::byte*>(chunk);
    left_ = kChunk;
  }
  void* block = next_;
  next_ += bytes;
  left_ -= bytes;
  return block;
}

void StateArena::release(void* p, size_t size) {
  if (size > kLargest) {
    std::free(p);
    large_bytes_ -= size;
    return;
  }
  auto* block = static_cast<FreeBlock*>(p);
  block->next = free_[class_of(size)];
  free_[class_of(size)] = block;
}

void* StateArena::resize(void* p, size_t old_size, size_t new_size) {
  if (old_size > kLargest && new_size > kLargest) {
    void* moved = std::realloc(p, new_size);
    if (moved) large_bytes_ = large_bytes_ - old_size + new_size;
    return moved;
  }
  if (old_size <= kLargest && new_size <= kLargest && class_of(old_size) == class_of(new_size)) return p;
  void* moved = allocate(new_size);
  if (!moved) return nullptr;
  std::memcpy(moved, p, std::min(old_size, new_size));
  release(p, old_size);
  return moved;
}

}  // namespace agentry::lua
