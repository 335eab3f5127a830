// Conversions between the job model (job.h) and the store's rows and columns.
#pragma once

#include <string>
#include <vector>

#include "runtime/jobs/job.h"
#include "runtime/jobs/sql/connection.h"

namespace agentry::jobs {

// A job row in JobColumn order (statements.h); no log, steps or queue
// position, and no result when the row's result is made of steps (see
// result_from_steps).
Job job_from_row(const sql::Row& row);
// A result stored as the steps it is made of (JobResult::from_steps), put
// together from the outputs of those of `steps` that completed.
nlohmann::json result_from_steps(const std::string& job_id, const std::string& from_steps,
                                 const std::vector<StepRecord>& steps);
// (seq, ts, event, details)
Event event_from_row(const sql::Row& row);
// Statements::select_step_outputs column order: the key and output only.
StepRecord step_output_from_row(const sql::Row& row);
// Statements::select_steps column order.
StepRecord step_from_row(const sql::Row& row);

// At most max_bytes of s, cut at a UTF-8 character boundary (and marked as cut
// when max_bytes leaves room). Keeps one runaway job.log() line or error
// message from bloating every poll, and names within their columns.
std::string clip(std::string s, size_t max_bytes = 64 * 1024);

}  // namespace agentry::jobs
