#include "runtime/llm/openai_protocol.h"

#include <algorithm>
#include <cctype>

namespace agentry::llm {

namespace {

constexpr size_t kMaxApiMessage = 500;

// The error object of a failed call, in the shapes OpenAI ({"error":
// {"message", "type", "code"}}), Ollama ({"error": "..."}) and vLLM
// ({"message": ...}) use; a plain-text body is its own message.
struct ApiError {
  std::string message;
  std::string code;
  std::string type;
};

std::string as_text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

std::string clip(std::string text) {
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), [](unsigned char c) { return !std::isspace(c); }));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.size() > kMaxApiMessage) text = text.substr(0, kMaxApiMessage) + "…";
  return text;
}

ApiError api_error(const std::string& body) {
  ApiError e;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (const auto it = j.find("error"); it != j.end() && it->is_object()) {
      e.message = as_text(it->value("message", nlohmann::json()));
      e.code = as_text(it->value("code", nlohmann::json()));
      e.type = as_text(it->value("type", nlohmann::json()));
    } else if (it != j.end() && it->is_string()) {
      e.message = it->get<std::string>();
    } else {
      e.message = as_text(j.value("message", nlohmann::json()));
      e.code = as_text(j.value("code", nlohmann::json()));
    }
  } else if (!j.is_discarded()) {
    e.message = as_text(j);
  } else {
    e.message = body;
  }
  e.message = clip(e.message);
  return e;
}

bool contains_nocase(std::string_view text, std::string_view word) {
  return std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

// Whether "json" appears in any case. Runs over every prompt, tens of
// kilobytes a step, so it skips to each 'j' or 'J' instead of lower-casing
// every character as contains_nocase does.
bool contains_json(std::string_view text) {
  const auto folded = [](char c) { return static_cast<char>(c | 0x20); };  // ASCII letters only
  for (size_t at = text.find_first_of("jJ"); at != std::string_view::npos && at + 4 <= text.size();
       at = text.find_first_of("jJ", at + 1))
    if (folded(text[at + 1]) == 's' && folded(text[at + 2]) == 'o' && folded(text[at + 3]) == 'n') return true;
  return false;
}

bool mentions_json(const ChatRequest& request) {
  if (contains_json(request.system)) return true;
  return std::any_of(request.messages.begin(), request.messages.end(),
                     [](const ChatMessage& m) { return contains_json(m.content); });
}

std::string api_says(const ApiError& e) { return e.message.empty() ? "" : "; API says: " + e.message; }

}  // namespace

nlohmann::json chat_completion_body(const ChatRequest& request, const std::string& model) {
  nlohmann::json body = {{"model", model}, {"messages", nlohmann::json::array()}};
  std::string system = request.system;
  // OpenAI rejects json_object mode unless the word "JSON" appears in the
  // messages; agents should not have to know that.
  if (request.json && request.json_schema.is_null() && !mentions_json(request))
    system += (system.empty() ? "" : "\n\n") + std::string("Reply with one JSON object.");
  if (!system.empty()) body["messages"].push_back({{"role", "system"}, {"content", system}});
  for (const auto& m : request.messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  if (request.json) {
    if (request.json_schema.is_null()) {
      body["response_format"] = {{"type", "json_object"}};
    } else {
      // Accept either the bare schema or OpenAI's {"name", "schema", "strict"} wrapper.
      nlohmann::json schema = request.json_schema;
      if (!schema.contains("schema"))
        schema = {{"name", request.agent.empty() ? "reply" : request.agent}, {"schema", request.json_schema}};
      body["response_format"] = {{"type", "json_schema"}, {"json_schema", schema}};
    }
  }
  return body;
}

ChatReply parse_chat_completion(const std::string& body, const std::string& model) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  const auto unreadable = [&](const std::string& why) {
    return LlmError(LlmError::Kind::transient, "the API answered with " + why + ": " + clip(body.substr(0, 200)));
  };
  if (!j.is_object()) throw unreadable("a body that is not JSON");
  const auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object())
    throw unreadable("no choices");
  ChatReply reply;
  auto& first = (*choices)[0];
  if (const auto message = first.find("message"); message != first.end() && message->is_object()) {
    if (const auto content = message->find("content"); content != message->end() && content->is_string()) {
      // Moved out, not copied: the content is the whole reply, tens of kilobytes.
      reply.text = std::move(content->get_ref<std::string&>());
    } else if (const auto refusal = message->find("refusal"); refusal != message->end() && refusal->is_string()) {
      throw LlmError(LlmError::Kind::permanent, "the model refused to answer: " + clip(refusal->get<std::string>()));
    }
  }
  const auto usage = j.value("usage", nlohmann::json::object());
  const auto count = [&](const char* name) {
    const auto it = usage.find(name);
    return it != usage.end() && it->is_number_integer() ? it->get<int64_t>() : int64_t{0};
  };
  reply.usage = {1, count("prompt_tokens"), count("completion_tokens")};
  reply.model = j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>() : model;
  reply.attempts = 1;
  return reply;
}

LlmError error_for_status(int status, const std::string& reason, const std::string& body, const std::string& model,
                          std::optional<std::chrono::milliseconds> retry_after) {
  using Kind = LlmError::Kind;
  const ApiError e = api_error(body);
  const std::string quoted = "'" + model + "'";
  const bool context_too_long = e.code == "context_length_exceeded" ||
                                contains_nocase(e.message, "maximum context length") ||
                                contains_nocase(e.message, "context_length_exceeded");
  if (context_too_long && (status == 400 || status == 413))
    return LlmError(Kind::permanent,
                    "the prompt is too long for model " + quoted +
                        " (context_length_exceeded): shorten the agent's input or prompt, or use a model with a "
                        "larger context window" +
                        api_says(e),
                    status);
  switch (status) {
    case 400:
      return LlmError(Kind::permanent, "the API rejected the request for model " + quoted + " (400)" + api_says(e),
                      status);
    case 401: return LlmError(Kind::permanent, "OPENAI_API_KEY was rejected (401): set a valid key", status);
    case 403:
      return LlmError(Kind::permanent,
                      "the API refused access (403) to model " + quoted +
                          ": check that the key's project and organisation may use it" + api_says(e),
                      status);
    case 404:
      if (e.code == "model_not_found" || contains_nocase(e.message, "model"))
        return LlmError(
            Kind::permanent,
            "model " + quoted + " was not found (404): check the agent's model or OPENAI_MODEL" + api_says(e), status);
      return LlmError(Kind::permanent,
                      "the API has no chat-completions endpoint here (404, model " + quoted +
                          "): check OPENAI_BASE_URL (it usually ends in /v1)" + api_says(e),
                      status);
    case 429:
      if (e.code == "insufficient_quota" || e.type == "insufficient_quota")
        return LlmError(Kind::permanent,
                        "the API account is out of quota (429 insufficient_quota): this is billing, not a rate "
                        "limit; add credit or raise the spending limit of the account behind OPENAI_API_KEY",
                        status);
      return LlmError(Kind::transient, "rate limited by the API (429)" + api_says(e), status, retry_after);
    case 500:
    case 502:
    case 503:
    case 504:
      return LlmError(Kind::transient, "the API answered " + std::to_string(status) + " " + reason + api_says(e),
                      status, retry_after);
    default:
      return LlmError(
          Kind::permanent,
          "unexpected answer from the API (HTTP " + std::to_string(status) + " " + reason + ")" + api_says(e), status);
  }
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[redacted]");
  return text;
}

}  // namespace agentry::llm
