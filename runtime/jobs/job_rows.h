// Conversions between the job model (job.h) and the store's rows and columns.
#pragma once

#include <string>

#include "runtime/jobs/job.h"
#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs {

// A job row in JobColumn order (statements.h); no log, steps or queue position.
Job job_from_row(const sql::Row& row);
// (seq, ts, event, details)
Event event_from_row(const sql::Row& row);
// Statements::select_steps column order.
StepRecord step_from_row(const sql::Row& row);

// At most max_bytes of s, cut at a UTF-8 character boundary (and marked as cut
// when max_bytes leaves room). Keeps one runaway job.log() line or error
// message from bloating every poll, and names within their columns.
std::string clip(std::string s, size_t max_bytes = 64 * 1024);

}  // namespace agentry::jobs
