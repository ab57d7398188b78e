// KnownPeers: the adapters CMake compiled in (RAVEL_PEER_*), and those it did not find.
#include "bench/peers/peer.h"

namespace ravel_peers {

const std::vector<PeerEntry>& KnownPeers() {
  static const std::vector<PeerEntry> peers = {
#ifdef RAVEL_PEER_ONEDNN
      {"onednn", "libdnnl-dev", MakeOnednnPeer},
#else
      {"onednn", "libdnnl-dev", nullptr},
#endif
#ifdef RAVEL_PEER_ATEN
      {"aten", "libtorch-dev", MakeAtenPeer},
#else
      {"aten", "libtorch-dev", nullptr},
#endif
#ifdef RAVEL_PEER_EIGEN
      {"eigen", "libeigen3-dev", MakeEigenPeer},
#else
      {"eigen", "libeigen3-dev", nullptr},
#endif
  };
  return peers;
}

}  // namespace ravel_peers
