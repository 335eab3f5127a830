#include "runtime/log/log_context.h"

#include <utility>

namespace agentry::log {

namespace {
thread_local LogContext context;
}  // namespace

const LogContext& current_context() { return context; }

ScopedJobId::ScopedJobId(std::string job_id) : previous_(std::exchange(context.job_id, std::move(job_id))) {}
ScopedJobId::~ScopedJobId() { context.job_id = std::move(previous_); }

ScopedRequestId::ScopedRequestId(std::string request_id)
    : previous_(std::exchange(context.request_id, std::move(request_id))) {}
ScopedRequestId::~ScopedRequestId() { context.request_id = std::move(previous_); }

}  // namespace agentry::log
