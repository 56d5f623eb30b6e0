// bee-dev: bee v2.8.0's `bee dev` (an in-memory node with a mock chain and bee's full HTTP API),
// built against bee v2.8.1's packages, so that tests/it/bee_dev.rs can send the same requests to bee
// and to swarmec and compare the answers.
//
// bee v2.8.1 removed `bee dev` (ethersphere/bee#5436), and bee v2.8.0 is not served by the Go module
// proxy this project reaches. What `bee dev` did lives in two files of bee v2.8.0:
// pkg/node/devnode.go (NewDevBee: the mocks and the API service; copied below with the changes)
// and cmd/bee/cmd/start_dev.go (its flags; replaced by the main function at the end). The changes,
// each marked "swarmec:":
//   - package main instead of package node;
//   - api.DevMode is gone from v2.8.1: the API runs as api.LightMode. In bee v2.8.0 DevMode refused
//     uploads that are not deferred (501 `operation is not supported in dev mode`, every /soc upload
//     among them) and made /status answer without a topology; nothing else in pkg/api read it;
//   - a mock pusher takes directly pushed chunks (below, at localStore);
//   - the API listener's address is printed on stdout once bound (`api-addr ADDR`), so that port 0
//     works.
//
// Copyright 2021 The Swarm Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in bee's LICENSE file.

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethersphere/bee/v2/pkg/accesscontrol"
	mockAccounting "github.com/ethersphere/bee/v2/pkg/accounting/mock"
	"github.com/ethersphere/bee/v2/pkg/api"
	"github.com/ethersphere/bee/v2/pkg/bzz"
	"github.com/ethersphere/bee/v2/pkg/crypto"
	"github.com/ethersphere/bee/v2/pkg/feeds/factory"
	"github.com/ethersphere/bee/v2/pkg/gsoc"
	"github.com/ethersphere/bee/v2/pkg/log"
	mockP2P "github.com/ethersphere/bee/v2/pkg/p2p/mock"
	mockPingPong "github.com/ethersphere/bee/v2/pkg/pingpong/mock"
	"github.com/ethersphere/bee/v2/pkg/postage"
	"github.com/ethersphere/bee/v2/pkg/postage/batchstore"
	mockPost "github.com/ethersphere/bee/v2/pkg/postage/mock"
	"github.com/ethersphere/bee/v2/pkg/postage/postagecontract"
	mockPostContract "github.com/ethersphere/bee/v2/pkg/postage/postagecontract/mock"
	postagetesting "github.com/ethersphere/bee/v2/pkg/postage/testing"
	"github.com/ethersphere/bee/v2/pkg/pss"
	"github.com/ethersphere/bee/v2/pkg/pushsync"
	mockPushsync "github.com/ethersphere/bee/v2/pkg/pushsync/mock"
	resolverMock "github.com/ethersphere/bee/v2/pkg/resolver/mock"
	"github.com/ethersphere/bee/v2/pkg/settlement/pseudosettle"
	"github.com/ethersphere/bee/v2/pkg/settlement/swap/chequebook"
	mockchequebook "github.com/ethersphere/bee/v2/pkg/settlement/swap/chequebook/mock"
	erc20mock "github.com/ethersphere/bee/v2/pkg/settlement/swap/erc20/mock"
	swapmock "github.com/ethersphere/bee/v2/pkg/settlement/swap/mock"
	"github.com/ethersphere/bee/v2/pkg/statestore/leveldb"
	mockSteward "github.com/ethersphere/bee/v2/pkg/steward/mock"
	"github.com/ethersphere/bee/v2/pkg/storage/inmemstore"
	"github.com/ethersphere/bee/v2/pkg/storageincentives/staking"
	stakingContractMock "github.com/ethersphere/bee/v2/pkg/storageincentives/staking/mock"
	"github.com/ethersphere/bee/v2/pkg/storer"
	"github.com/ethersphere/bee/v2/pkg/swarm"
	"github.com/ethersphere/bee/v2/pkg/topology/lightnode"
	mockTopology "github.com/ethersphere/bee/v2/pkg/topology/mock"
	"github.com/ethersphere/bee/v2/pkg/tracing"
	"github.com/ethersphere/bee/v2/pkg/transaction"
	"github.com/ethersphere/bee/v2/pkg/transaction/backendmock"
	transactionmock "github.com/ethersphere/bee/v2/pkg/transaction/mock"
	"github.com/ethersphere/bee/v2/pkg/util/ioutil"
	"github.com/hashicorp/go-multierror"
	"github.com/multiformats/go-multiaddr"
	"golang.org/x/sync/errgroup"
)

type DevBee struct {
	tracerCloser        io.Closer
	stateStoreCloser    io.Closer
	localstoreCloser    io.Closer
	apiCloser           io.Closer
	pssCloser           io.Closer
	accesscontrolCloser io.Closer
	errorLogWriter      io.Writer
	apiServer           *http.Server
}

type DevOptions struct {
	Logger                   log.Logger
	APIAddr                  string
	CORSAllowedOrigins       []string
	DBOpenFilesLimit         uint64
	ReserveCapacity          uint64
	DBWriteBufferSize        uint64
	DBBlockCacheCapacity     uint64
	DBDisableSeeksCompaction bool
}

// NewDevBee starts the bee instance in 'development' mode
// this implies starting an API and a Debug endpoints while mocking all their services.
func NewDevBee(logger log.Logger, o *DevOptions) (b *DevBee, err error) {
	tracer, tracerCloser, err := tracing.NewTracer(&tracing.Options{
		Enabled: false,
	})
	if err != nil {
		return nil, fmt.Errorf("tracer: %w", err)
	}

	sink := ioutil.WriterFunc(func(p []byte) (int, error) {
		logger.Error(nil, string(p))
		return len(p), nil
	})

	b = &DevBee{
		errorLogWriter: sink,
		tracerCloser:   tracerCloser,
	}

	stateStore, err := leveldb.NewInMemoryStateStore(logger)
	if err != nil {
		return nil, err
	}
	b.stateStoreCloser = stateStore

	swarmAddress, err := randomAddress()
	if err != nil {
		return nil, err
	}

	batchStore, err := batchstore.New(stateStore, func(b []byte) error { return nil }, 1000000, logger)
	if err != nil {
		return nil, fmt.Errorf("batchstore: %w", err)
	}

	err = batchStore.PutChainState(&postage.ChainState{
		CurrentPrice: big.NewInt(1),
		TotalAmount:  big.NewInt(1),
	})
	if err != nil {
		return nil, fmt.Errorf("batchstore: %w", err)
	}

	mockKey, err := crypto.GenerateSecp256k1Key()
	if err != nil {
		return nil, err
	}
	signer := crypto.NewDefaultSigner(mockKey)

	overlayEthAddress, err := signer.EthereumAddress()
	if err != nil {
		return nil, fmt.Errorf("blockchain address: %w", err)
	}

	mockTransaction := transactionmock.New(transactionmock.WithPendingTransactionsFunc(func() ([]common.Hash, error) {
		return []common.Hash{common.HexToHash("abcd")}, nil
	}), transactionmock.WithResendTransactionFunc(func(ctx context.Context, txHash common.Hash) error {
		return nil
	}), transactionmock.WithStoredTransactionFunc(func(txHash common.Hash) (*transaction.StoredTransaction, error) {
		recipient := common.HexToAddress("dfff")
		return &transaction.StoredTransaction{
			To:          &recipient,
			Created:     1,
			Data:        []byte{1, 2, 3, 4},
			GasPrice:    big.NewInt(12),
			GasTipBoost: 10,
			GasFeeCap:   big.NewInt(12),
			GasTipCap:   new(big.Int).Div(new(big.Int).Mul(big.NewInt(int64(10)+100), big.NewInt(12)), big.NewInt(100)),
			GasLimit:    5345,
			Value:       big.NewInt(4),
			Nonce:       3,
			Description: "test",
		}, nil
	}), transactionmock.WithCancelTransactionFunc(func(ctx context.Context, originalTxHash common.Hash) (common.Hash, error) {
		return common.Hash{}, nil
	}),
	)

	chainBackend := backendmock.New(
		backendmock.WithBlockNumberFunc(func(ctx context.Context) (uint64, error) {
			return 1, nil
		}),
		backendmock.WithBalanceAt(func(ctx context.Context, address common.Address, block *big.Int) (*big.Int, error) {
			return big.NewInt(0), nil
		}),
	)

	// Create api.Probe in healthy state and switch to ready state after all components have been constructed
	probe := api.NewProbe()
	probe.SetHealthy(api.ProbeStatusOK)
	defer func(probe *api.Probe) {
		if err != nil {
			probe.SetHealthy(api.ProbeStatusNOK)
		} else {
			probe.SetReady(api.ProbeStatusOK)
		}
	}(probe)

	localStore, err := storer.New(context.Background(), "", &storer.Options{
		Logger:        logger,
		CacheCapacity: 1_000_000,
	})
	if err != nil {
		return nil, fmt.Errorf("localstore: %w", err)
	}
	b.localstoreCloser = localStore

	// swarmec: a pusher for direct uploads (`/soc` by default, `/bytes`, `/bzz`, `/chunks` with
	// `Swarm-Deferred-Upload: false`). bee v2.8.0's dev mode refused them; bee v2.8.1's API has no
	// dev mode and hands them to the pusher, which a dev node lacks, so they would wait forever. Here each directly pushed chunk goes into the node's cache
	// (readable afterwards, as a deferred upload's chunks are) and is reported pushed.
	go func() {
		for op := range localStore.PusherFeed() {
			op.Err <- localStore.Cache().Put(context.Background(), op.Chunk)
		}
	}()

	session := accesscontrol.NewDefaultSession(mockKey)
	actLogic := accesscontrol.NewLogic(session)
	accesscontrol := accesscontrol.NewController(actLogic)
	b.accesscontrolCloser = accesscontrol

	pssService := pss.New(mockKey, logger)
	b.pssCloser = pssService

	pssService.SetPushSyncer(mockPushsync.New(func(ctx context.Context, chunk swarm.Chunk) (*pushsync.Receipt, error) {
		pssService.TryUnwrap(chunk)
		return &pushsync.Receipt{}, nil
	}))

	post := mockPost.New()
	postageContract := mockPostContract.New(
		mockPostContract.WithCreateBatchFunc(
			func(ctx context.Context, amount *big.Int, depth uint8, immutable bool, label string) (common.Hash, []byte, error) {
				id := postagetesting.MustNewID()
				batch := &postage.Batch{
					ID:        id,
					Owner:     overlayEthAddress.Bytes(),
					Value:     big.NewInt(0).Mul(amount, big.NewInt(int64(1<<depth))),
					Depth:     depth,
					Immutable: immutable,
				}

				err := batchStore.Save(batch)
				if err != nil {
					return common.Hash{}, nil, err
				}

				stampIssuer := postage.NewStampIssuer(label, string(overlayEthAddress.Bytes()), id, amount, batch.Depth, 0, 0, immutable)
				_ = post.Add(stampIssuer)

				return common.Hash{}, id, nil
			},
		),
		mockPostContract.WithTopUpBatchFunc(
			func(ctx context.Context, batchID []byte, topupAmount *big.Int) (common.Hash, error) {
				return common.Hash{}, postagecontract.ErrNotImplemented
			},
		),
		mockPostContract.WithDiluteBatchFunc(
			func(ctx context.Context, batchID []byte, newDepth uint8) (common.Hash, error) {
				return common.Hash{}, postagecontract.ErrNotImplemented
			},
		),
	)

	var (
		lightNodes = lightnode.NewContainer(swarm.NewAddress(nil))
		pingPong   = mockPingPong.New(pong)
		p2ps       = mockP2P.New(
			mockP2P.WithConnectFunc(func(ctx context.Context, addr []multiaddr.Multiaddr) (address *bzz.Address, err error) {
				return &bzz.Address{}, nil
			}), mockP2P.WithDisconnectFunc(
				func(swarm.Address, string) error {
					return nil
				},
			), mockP2P.WithAddressesFunc(
				func() ([]multiaddr.Multiaddr, error) {
					ma, _ := multiaddr.NewMultiaddr("mock")
					return []multiaddr.Multiaddr{ma}, nil
				},
			))
		acc       = mockAccounting.NewAccounting()
		kad       = mockTopology.NewTopologyDriver()
		pseudoset = pseudosettle.New(nil, logger, stateStore, nil, big.NewInt(10000), big.NewInt(10000), p2ps)
		mockSwap  = swapmock.New(swapmock.WithCashoutStatusFunc(
			func(ctx context.Context, peer swarm.Address) (*chequebook.CashoutStatus, error) {
				return &chequebook.CashoutStatus{
					Last:           &chequebook.LastCashout{},
					UncashedAmount: big.NewInt(0),
				}, nil
			},
		), swapmock.WithLastSentChequeFunc(
			func(a swarm.Address) (*chequebook.SignedCheque, error) {
				return &chequebook.SignedCheque{
					Cheque: chequebook.Cheque{
						Beneficiary: common.Address{},
						Chequebook:  common.Address{},
					},
				}, nil
			},
		), swapmock.WithLastReceivedChequeFunc(
			func(a swarm.Address) (*chequebook.SignedCheque, error) {
				return &chequebook.SignedCheque{
					Cheque: chequebook.Cheque{
						Beneficiary: common.Address{},
						Chequebook:  common.Address{},
					},
				}, nil
			},
		))
		mockChequebook = mockchequebook.NewChequebook(mockchequebook.WithChequebookBalanceFunc(
			func(context.Context) (ret *big.Int, err error) {
				return big.NewInt(0), nil
			},
		), mockchequebook.WithChequebookAvailableBalanceFunc(
			func(context.Context) (ret *big.Int, err error) {
				return big.NewInt(0), nil
			},
		), mockchequebook.WithChequebookWithdrawFunc(
			func(ctx context.Context, amount *big.Int) (hash common.Hash, err error) {
				return common.Hash{}, nil
			},
		), mockchequebook.WithChequebookDepositFunc(
			func(ctx context.Context, amount *big.Int) (hash common.Hash, err error) {
				return common.Hash{}, nil
			},
		))
	)

	// syncStatusFn mocks sync status because complete sync is required in order to curl certain apis e.g. /stamps.
	// this allows accessing those apis by passing true to isDone in devNode.
	syncStatusFn := func() (isDone bool, err error) {
		return true, nil
	}

	mockFeeds := factory.New(localStore.Download(true))
	mockResolver := resolverMock.NewResolver()
	mockSteward := new(mockSteward.Steward)

	mockStaking := stakingContractMock.New(
		stakingContractMock.WithDepositStake(func(ctx context.Context, stakedAmount *big.Int) (common.Hash, error) {
			return common.Hash{}, staking.ErrNotImplemented
		}),
		stakingContractMock.WithGetStake(func(ctx context.Context) (*big.Int, error) {
			return nil, staking.ErrNotImplemented
		}),
		stakingContractMock.WithWithdrawStake(func(ctx context.Context) (common.Hash, error) {
			return common.Hash{}, staking.ErrNotImplemented
		}),
		stakingContractMock.WithIsFrozen(func(ctx context.Context, block uint64) (bool, error) {
			return false, staking.ErrNotImplemented
		}),
	)

	debugOpts := api.ExtraOptions{
		Pingpong:        pingPong,
		TopologyDriver:  kad,
		LightNodes:      lightNodes,
		Accounting:      acc,
		Pseudosettle:    pseudoset,
		Swap:            mockSwap,
		Chequebook:      mockChequebook,
		BlockTime:       time.Second * 2,
		Storer:          localStore,
		Resolver:        mockResolver,
		Pss:             pssService,
		Gsoc:            gsoc.New(logger),
		FeedFactory:     mockFeeds,
		Post:            post,
		AccessControl:   accesscontrol,
		PostageContract: postageContract,
		Staking:         mockStaking,
		Steward:         mockSteward,
		SyncStatus:      syncStatusFn,
	}

	erc20 := erc20mock.New(
		erc20mock.WithBalanceOfFunc(func(ctx context.Context, address common.Address) (*big.Int, error) {
			return big.NewInt(0), nil
		}),
		erc20mock.WithTransferFunc(func(ctx context.Context, address common.Address, value *big.Int) (common.Hash, error) {
			return common.Hash{}, nil
		}),
	)

	apiService := api.New(mockKey.PublicKey, mockKey.PublicKey, overlayEthAddress, nil, logger, mockTransaction, batchStore, api.LightMode /* swarmec: api.DevMode is gone from v2.8.1 */, true, true, chainBackend, o.CORSAllowedOrigins, inmemstore.New())

	apiService.Configure(signer, tracer, api.Options{
		CORSAllowedOrigins: o.CORSAllowedOrigins,
		WsPingPeriod:       60 * time.Second,
	}, debugOpts, 1, erc20)

	apiService.Mount()
	apiService.EnableFullAPI()
	apiService.SetProbe(probe)
	apiService.SetP2P(p2ps)
	apiService.SetSwarmAddress(&swarmAddress)

	apiListener, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", o.APIAddr)
	if err != nil {
		return nil, fmt.Errorf("api listener: %w", err)
	}

	apiServer := &http.Server{
		IdleTimeout:       30 * time.Second,
		ReadHeaderTimeout: 3 * time.Second,
		Handler:           apiService,
		ErrorLog:          stdlog.New(b.errorLogWriter, "", 0),
	}
	// swarmec: the bound address, for tests that listen on port 0.
	fmt.Printf("api-addr %s\n", apiListener.Addr())
	go func() {
		logger.Info("starting api server", "address", apiListener.Addr())

		if err := apiServer.Serve(apiListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Debug("api server failed to start", "error", err)
			logger.Error(nil, "api server failed to start")
		}
	}()

	b.apiServer = apiServer
	b.apiCloser = apiService

	return b, nil
}

func (b *DevBee) Shutdown() error {
	var mErr error

	tryClose := func(c io.Closer, errMsg string) {
		if c == nil {
			return
		}
		if err := c.Close(); err != nil {
			mErr = multierror.Append(mErr, fmt.Errorf("%s: %w", errMsg, err))
		}
	}

	tryClose(b.apiCloser, "api")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	var eg errgroup.Group
	if b.apiServer != nil {
		eg.Go(func() error {
			if err := b.apiServer.Shutdown(ctx); err != nil {
				return fmt.Errorf("api server: %w", err)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		mErr = multierror.Append(mErr, err)
	}

	tryClose(b.pssCloser, "pss")
	tryClose(b.accesscontrolCloser, "accesscontrol")
	tryClose(b.tracerCloser, "tracer")
	tryClose(b.stateStoreCloser, "statestore")
	tryClose(b.localstoreCloser, ioutil.DataPathLocalstore)

	return mErr
}

func pong(_ context.Context, _ swarm.Address, _ ...string) (rtt time.Duration, err error) {
	return time.Millisecond, nil
}

func randomAddress() (swarm.Address, error) {
	b := make([]byte, 32)

	_, err := rand.Read(b)
	if err != nil {
		return swarm.ZeroAddress, err
	}

	return swarm.NewAddress(b), nil
}

// swarmec: the flags of bee v2.8.0's start_dev.go that matter here, and its wait for SIGINT or
// SIGTERM, without cobra, viper and the Windows service.
func main() {
	apiAddr := flag.String("api-addr", "127.0.0.1:1633", "HTTP API listen address")
	verbosity := flag.String("verbosity", "info", "log verbosity level 0=silent, 1=error, 2=warn, 3=info, 4=debug, 5=trace")
	cors := flag.String("cors-allowed-origins", "", "origins with CORS headers enabled (comma-separated)")
	flag.Parse()

	var (
		sink   io.Writer = os.Stderr
		vLevel           = log.VerbosityNone
	)
	switch *verbosity {
	case "0", "silent":
		sink = io.Discard
	case "1", "error":
		vLevel = log.VerbosityError
	case "2", "warn":
		vLevel = log.VerbosityWarning
	case "3", "info":
		vLevel = log.VerbosityInfo
	case "4", "debug":
		vLevel = log.VerbosityDebug
	case "5", "trace":
		vLevel = log.VerbosityDebug + 1
	default:
		fmt.Fprintf(os.Stderr, "unknown verbosity level %q\n", *verbosity)
		os.Exit(2)
	}
	logger := log.NewLogger("node", log.WithSink(sink), log.WithVerbosity(vLevel))

	var origins []string
	if *cors != "" {
		origins = strings.Split(*cors, ",")
	}
	b, err := NewDevBee(logger, &DevOptions{
		APIAddr:            *apiAddr,
		Logger:             logger,
		CORSAllowedOrigins: origins,
		ReserveCapacity:    4194304,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "bee-dev: %v\n", err)
		os.Exit(1)
	}

	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, syscall.SIGINT, syscall.SIGTERM)
	<-interrupt
	if err := b.Shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "bee-dev: shutdown: %v\n", err)
		os.Exit(1)
	}
}
