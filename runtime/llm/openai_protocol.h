// The OpenAI chat-completions wire format: the request body we send, the
// reply we read, and what each error status means for the person who has to
// fix it. Pure functions, no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/llm/provider.h"

namespace agentry::llm {

// POST {base}/chat/completions body for `request`, using `model` (the
// request's model or the provider default). JSON calls ask for
// response_format json_object, or json_schema when request.json_schema is set.
nlohmann::json chat_completion_body(const ChatRequest& request, const std::string& model);

// Text, usage and model from a 2xx body. Throws LlmError: transient when the
// body is not a chat completion, permanent when the model refused.
ChatReply parse_chat_completion(const std::string& body, const std::string& model);

// The LlmError for a non-2xx reply: 429 (except insufficient_quota) and
// 500/502/503/504 are transient, everything else permanent with a message
// that says what to fix.
LlmError error_for_status(int status, const std::string& reason, const std::string& body, const std::string& model,
                          std::optional<std::chrono::milliseconds> retry_after);

// `text` with every occurrence of `secret` replaced by "[redacted]".
std::string redact(std::string text, const std::string& secret);

}  // namespace agentry::llm
