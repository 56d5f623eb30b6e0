//! Raw libp2p streams for bee's protocols: a small `NetworkBehaviour` that hands every inbound
//! stream of a set of protocols to the node, and opens outbound streams on request, many at once.
//!
//! Written here rather than taken from `libp2p-stream` because that crate keeps at most one
//! inbound stream per protocol waiting and drops the rest (bee fetches a file's chunks in
//! parallel, and its requests were reset), and negotiates one outbound stream per connection at a
//! time. Here inbound streams wait in a bounded queue ([`INBOUND_QUEUE`]; beyond it a stream is
//! dropped and logged) and outbound requests are negotiated concurrently.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};

use libp2p::core::transport::PortUse;
use libp2p::core::upgrade::{InboundUpgrade, OutboundUpgrade, UpgradeInfo};
use libp2p::core::Endpoint;
use libp2p::swarm::handler::{
    ConnectionEvent, DialUpgradeError, FullyNegotiatedInbound, FullyNegotiatedOutbound,
};
use libp2p::swarm::{
    ConnectionDenied, ConnectionHandler, ConnectionHandlerEvent, ConnectionId, FromSwarm,
    NetworkBehaviour, NotifyHandler, Stream, StreamProtocol, StreamUpgradeError, SubstreamProtocol,
    THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};
use tracing::debug;

/// Inbound streams that may wait for the node before further ones are dropped.
pub const INBOUND_QUEUE: usize = 4096;

/// An inbound stream: from whom, on which protocol.
pub type Inbound = (PeerId, StreamProtocol, Stream);

/// Why a stream could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// No connection to the peer.
    #[error("not connected to {0}")]
    NotConnected(PeerId),
    /// The peer does not speak the protocol.
    #[error("{peer} does not speak {protocol}")]
    Unsupported {
        /// The peer.
        peer: PeerId,
        /// The protocol.
        protocol: StreamProtocol,
    },
    /// Negotiating the stream failed or timed out.
    #[error("opening {protocol} to {peer}: {message}")]
    Failed {
        /// The peer.
        peer: PeerId,
        /// The protocol.
        protocol: StreamProtocol,
        /// What happened.
        message: String,
    },
    /// The node stopped.
    #[error("the node has stopped")]
    Stopped,
}

type Reply = oneshot::Sender<Result<Stream, OpenError>>;

#[derive(Debug)]
pub struct OpenRequest {
    peer: PeerId,
    protocol: StreamProtocol,
    reply: Reply,
}

/// A cloneable handle that opens outbound streams.
#[derive(Clone)]
pub struct Opener {
    requests: mpsc::UnboundedSender<OpenRequest>,
}

impl Opener {
    /// Opens a stream to `peer` on `protocol` over an existing connection.
    pub async fn open(&self, peer: PeerId, protocol: &'static str) -> Result<Stream, OpenError> {
        let (reply, rx) = oneshot::channel();
        self.requests
            .send(OpenRequest {
                peer,
                protocol: StreamProtocol::new(protocol),
                reply,
            })
            .map_err(|_| OpenError::Stopped)?;
        rx.await.map_err(|_| OpenError::Stopped)?
    }
}

/// The behaviour.
pub struct Behaviour {
    protocols: Vec<StreamProtocol>,
    inbound: mpsc::Sender<Inbound>,
    requests: mpsc::UnboundedReceiver<OpenRequest>,
    connections: HashMap<PeerId, Vec<ConnectionId>>,
    out: VecDeque<ToSwarm<Infallible, OpenRequest>>,
}

impl Behaviour {
    /// A behaviour accepting `protocols`; the receiver gets the inbound streams, the opener opens
    /// outbound ones.
    pub fn new(protocols: &[&'static str]) -> (Behaviour, mpsc::Receiver<Inbound>, Opener) {
        let (inbound, inbound_rx) = mpsc::channel(INBOUND_QUEUE);
        let (requests_tx, requests) = mpsc::unbounded_channel();
        let behaviour = Behaviour {
            protocols: protocols.iter().map(|p| StreamProtocol::new(p)).collect(),
            inbound,
            requests,
            connections: HashMap::new(),
            out: VecDeque::new(),
        };
        (
            behaviour,
            inbound_rx,
            Opener {
                requests: requests_tx,
            },
        )
    }

    fn handler(&self, peer: PeerId) -> Handler {
        Handler {
            peer,
            protocols: self.protocols.clone(),
            inbound: self.inbound.clone(),
            requested: VecDeque::new(),
        }
    }
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = Handler;
    type ToSwarm = Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(self.handler(peer))
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(self.handler(peer))
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionEstablished(e) => {
                self.connections
                    .entry(e.peer_id)
                    .or_default()
                    .push(e.connection_id);
            }
            FromSwarm::ConnectionClosed(e) => {
                if let Some(list) = self.connections.get_mut(&e.peer_id) {
                    list.retain(|c| *c != e.connection_id);
                    if list.is_empty() {
                        self.connections.remove(&e.peer_id);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        _: PeerId,
        _: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        while let Poll::Ready(Some(request)) = self.requests.poll_recv(cx) {
            match self.connections.get(&request.peer).and_then(|c| c.last()) {
                Some(&connection) => self.out.push_back(ToSwarm::NotifyHandler {
                    peer_id: request.peer,
                    handler: NotifyHandler::One(connection),
                    event: request,
                }),
                None => {
                    let _ = request
                        .reply
                        .send(Err(OpenError::NotConnected(request.peer)));
                }
            }
        }
        match self.out.pop_front() {
            Some(e) => Poll::Ready(e),
            None => Poll::Pending,
        }
    }
}

/// One connection's handler.
pub struct Handler {
    peer: PeerId,
    protocols: Vec<StreamProtocol>,
    inbound: mpsc::Sender<Inbound>,
    requested: VecDeque<OpenRequest>,
}

/// Negotiates any of a list of protocols; the stream comes out as it is.
pub struct Upgrade(Vec<StreamProtocol>);

impl UpgradeInfo for Upgrade {
    type Info = StreamProtocol;
    type InfoIter = std::vec::IntoIter<StreamProtocol>;

    fn protocol_info(&self) -> Self::InfoIter {
        self.0.clone().into_iter()
    }
}

impl InboundUpgrade<Stream> for Upgrade {
    type Output = (Stream, StreamProtocol);
    type Error = Infallible;
    type Future = Ready<Result<Self::Output, Self::Error>>;

    fn upgrade_inbound(self, stream: Stream, info: StreamProtocol) -> Self::Future {
        ready(Ok((stream, info)))
    }
}

impl OutboundUpgrade<Stream> for Upgrade {
    type Output = (Stream, StreamProtocol);
    type Error = Infallible;
    type Future = Ready<Result<Self::Output, Self::Error>>;

    fn upgrade_outbound(self, stream: Stream, info: StreamProtocol) -> Self::Future {
        ready(Ok((stream, info)))
    }
}

impl ConnectionHandler for Handler {
    type FromBehaviour = OpenRequest;
    type ToBehaviour = Infallible;
    type InboundProtocol = Upgrade;
    type OutboundProtocol = Upgrade;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = (PeerId, StreamProtocol, Reply);

    fn listen_protocol(&self) -> SubstreamProtocol<Upgrade, ()> {
        SubstreamProtocol::new(Upgrade(self.protocols.clone()), ())
    }

    fn poll(
        &mut self,
        _: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<Upgrade, Self::OutboundOpenInfo, Infallible>> {
        match self.requested.pop_front() {
            Some(r) => Poll::Ready(ConnectionHandlerEvent::OutboundSubstreamRequest {
                protocol: SubstreamProtocol::new(
                    Upgrade(vec![r.protocol.clone()]),
                    (r.peer, r.protocol, r.reply),
                ),
            }),
            None => Poll::Pending,
        }
    }

    fn on_behaviour_event(&mut self, request: OpenRequest) {
        self.requested.push_back(request);
    }

    fn on_connection_event(
        &mut self,
        event: ConnectionEvent<Upgrade, Upgrade, (), Self::OutboundOpenInfo>,
    ) {
        match event {
            ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                protocol: (stream, protocol),
                ..
            }) => {
                let queued = self.inbound.try_send((self.peer, protocol.clone(), stream));
                if queued.is_err() {
                    debug!(peer = %self.peer, %protocol, "inbound queue full, stream dropped");
                }
            }
            ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                protocol: (stream, _),
                info: (_, _, reply),
            }) => {
                let _ = reply.send(Ok(stream));
            }
            ConnectionEvent::DialUpgradeError(DialUpgradeError {
                error,
                info: (peer, protocol, reply),
            }) => {
                let e = match error {
                    StreamUpgradeError::NegotiationFailed => {
                        OpenError::Unsupported { peer, protocol }
                    }
                    StreamUpgradeError::Timeout => OpenError::Failed {
                        peer,
                        protocol,
                        message: "timed out".into(),
                    },
                    StreamUpgradeError::Io(e) => OpenError::Failed {
                        peer,
                        protocol,
                        message: e.to_string(),
                    },
                    StreamUpgradeError::Apply(never) => match never {},
                };
                let _ = reply.send(Err(e));
            }
            _ => {}
        }
    }
}
