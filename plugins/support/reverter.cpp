#include "reverter.h"

#include <filesystem>
#include <stdexcept>

namespace plugin_support {

namespace {

void append_sink(void* ctx, const char* value) {
    static_cast<std::string*>(ctx)->append(value ? value : "");
}

void collect_sink(void* ctx, const char* value) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(value ? value : "");
}

uint32_t which(bool temporary) {
    return temporary ? CB_CHECKPOINT_TEMPORARY : CB_CHECKPOINT_IN_PROGRESS;
}

// Throws the host's line when a call failed.
void check(cb_status status, const std::string& error) {
    if (status != CB_OK)
        throw std::runtime_error(error.empty() ? "the host's checkpoint service failed" : error);
}

std::vector<const char*> c_strings(const std::vector<std::string>& items) {
    std::vector<const char*> out;
    for (const auto& i : items) out.push_back(i.c_str());
    out.push_back(nullptr);
    return out;
}

}  // namespace

Reverter::Reverter(const cb_host* host)
    : host_(host),
      service_(host && CB_HAS_FIELD(host, cb_host, get_extension) && host->get_extension
                   ? static_cast<const cb_checkpoint_v1*>(
                         host->get_extension(host->ctx, CB_CHECKPOINT_V1))
                   : nullptr) {
    if (!service_ || !CB_HAS_FIELD(service_, cb_checkpoint_v1, list))
        throw std::runtime_error(std::string("this certbot does not offer the host service ") +
                                 CB_CHECKPOINT_V1 + "; upgrade certbot");
}

void Reverter::add_to_checkpoint(const std::vector<std::string>& files, const std::string& note,
                                 bool temporary) {
    std::string error;
    auto paths = c_strings(files);
    check(service_->add_files(host_->ctx, which(temporary), paths.data(), note.c_str(),
                              &append_sink, &error),
          error);
}

void Reverter::register_new_file(const std::string& path, bool temporary) {
    std::string error;
    check(service_->add_new_file(host_->ctx, which(temporary), path.c_str(), &append_sink, &error),
          error);
}

void Reverter::write_file(const std::string& path, const std::string& content, bool temporary,
                          unsigned mode) {
    std::string error;
    check(service_->write_file(host_->ctx, which(temporary), path.c_str(), content.data(),
                               content.size(), mode, &append_sink, &error),
          error);
}

void Reverter::register_undo_command(const std::vector<std::string>& argv, bool temporary) {
    if (argv.empty()) return;
    std::string error;
    auto args = c_strings(argv);
    check(
        service_->add_undo_command(host_->ctx, which(temporary), args.data(), &append_sink, &error),
        error);
}

void Reverter::finalize_checkpoint(const std::string& title) {
    std::string error;
    check(service_->finalize(host_->ctx, title.c_str(), &append_sink, &error), error);
}

uint32_t Reverter::pending() const {
    std::string error;
    uint32_t bits = 0;
    check(service_->list(host_->ctx, nullptr, nullptr, &bits, &append_sink, &error), error);
    return bits;
}

bool Reverter::has_temporary() const {
    return (pending() & CB_CHECKPOINT_TEMPORARY) != 0;
}

bool Reverter::has_in_progress() const {
    return (pending() & CB_CHECKPOINT_IN_PROGRESS) != 0;
}

void Reverter::revert(uint32_t bits) {
    undo_failures_.clear();
    std::string error;
    check(service_->revert(host_->ctx, bits, &collect_sink, &undo_failures_, &append_sink, &error),
          error);
}

void Reverter::revert_temporary() {
    revert(CB_CHECKPOINT_TEMPORARY);
}

void Reverter::revert_in_progress() {
    revert(CB_CHECKPOINT_IN_PROGRESS);
}

void Reverter::recovery_routine() {
    revert(CB_CHECKPOINT_TEMPORARY | CB_CHECKPOINT_IN_PROGRESS);
}

void Reverter::rollback_checkpoints(int n) {
    undo_failures_.clear();
    std::string error;
    check(service_->rollback(host_->ctx, n, &collect_sink, &undo_failures_, &append_sink, &error),
          error);
}

std::vector<std::string> Reverter::checkpoints() const {
    std::vector<std::string> out;
    std::string error;
    check(service_->list(host_->ctx, &collect_sink, &out, nullptr, &append_sink, &error), error);
    return out;
}

std::string Reverter::temp_dir() const {
    const std::string work = host_->work_dir ? host_->work_dir : "";
    return std::filesystem::absolute(work).lexically_normal().string() + "/temp_checkpoint";
}

}  // namespace plugin_support
