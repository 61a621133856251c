// Which filesystems the last-sent store refuses (state/local_filesystem.h).
#include <doctest/doctest.h>

#include "state/local_filesystem.h"
#include "support/temp_dir.h"

using cdc::state::remote_filesystem;
using cdc::state::remote_filesystem_type;

TEST_CASE("network and user-space filesystems are named, local ones are not") {
  CHECK(remote_filesystem_type(0x6969) == "nfs");
  CHECK(remote_filesystem_type(0x65735546) == "fuse");
  CHECK(remote_filesystem_type(0x00C36400) == "ceph");
  // CIFS's magic has its top bit set: a signed f_type holds it sign-extended.
  CHECK(remote_filesystem_type(static_cast<long>(static_cast<int32_t>(0xFF534D42))) == "cifs");
  CHECK(remote_filesystem_type(static_cast<long>(0xFF534D42)) == "cifs");
  CHECK_FALSE(remote_filesystem_type(0xEF53).has_value());      // ext4
  CHECK_FALSE(remote_filesystem_type(0x58465342).has_value());  // xfs
  CHECK_FALSE(remote_filesystem_type(0x01021994).has_value());  // tmpfs
}

TEST_CASE("a folder not created yet is judged by the nearest folder that exists") {
  cdc::test::TempDir dir;
  // The test machine's temporary folder is local (a network one would fail the tests
  // that open stores there anyway).
  CHECK_FALSE(remote_filesystem(dir.path()).has_value());
  CHECK_FALSE(remote_filesystem(dir.path() / "not" / "yet" / "there").has_value());
  CHECK_FALSE(remote_filesystem("relative/not/there").has_value());
}
