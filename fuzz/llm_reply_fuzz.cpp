// libFuzzer target: what an OpenAI-compatible server (or anything in its
// place) may send back. parse_chat_completion must end in a reply or an
// LlmError; parse_json_reply (JSON mode's extraction from fenced or chatty
// text) must never throw.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/llm/json_reply.h"
#include "runtime/llm/openai_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    const auto reply = agentry::llm::parse_chat_completion(body, "gpt-4o-mini");
    std::string error;
    const auto json = agentry::llm::parse_json_reply(reply.text, error);
    if (!json.is_null() && !json.is_object()) __builtin_trap();
    (void)agentry::llm::missing_fields(json, {"profile", "constraints"});
  } catch (const agentry::llm::LlmError&) {
    // A body that is not a chat completion: the caller retries or fails the call.
  }
  std::string error;
  const auto json = agentry::llm::parse_json_reply(body, error);
  if (json.is_null() == error.empty()) __builtin_trap();  // exactly one of the two
  if (!json.is_null()) (void)agentry::llm::reask_message("missing", {"a"});
  return 0;
}
