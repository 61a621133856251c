// Whether a folder lies on a filesystem that LMDB can use. LMDB reads through a shared
// memory map and keeps its reader table in a mapped lock file: on a network filesystem
// (NFS, SMB, CephFS...) or one served by a user-space process (FUSE), maps are not kept
// coherent with writes from another host, nor always with the same host's own writes,
// and LMDB's documentation rules them out. A store that reads stale pages could skip a
// field Retainly lacks, or be corrupted by a write built on them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace cdc::state {

// The name of the filesystem type `f_type` (statfs) when it is a network or user-space
// one ("nfs", "cifs", "fuse"...); nullopt for any other, local or unknown.
std::optional<std::string> remote_filesystem_type(long f_type);

// The same for the filesystem holding `path`, or its nearest ancestor that exists (the
// folder may not be created yet). nullopt also when statfs fails: the open that follows
// reports that.
std::optional<std::string> remote_filesystem(const std::filesystem::path& path);

}  // namespace cdc::state
