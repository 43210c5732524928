# fish completion for aiots

function __aiots_symbols
    aiots --format csv data list 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u
end

set -l timeframes 1m 5m 15m 30m 1h 4h 1d 1w tick
set -l data_cmds import list show export rm resample

complete -c aiots -f
# global options
complete -c aiots -l db -r -F -d 'Store path'
complete -c aiots -l config -r -F -d 'Daemon configuration'
complete -c aiots -l format -x -a 'table csv json' -d 'Output format'
complete -c aiots -l json -d 'Same as --format json'
complete -c aiots -s q -l quiet -d 'Print no summaries'
complete -c aiots -s V -l version -d 'Print the version'
complete -c aiots -s h -l help -d 'Print help'

# commands
complete -c aiots -n __fish_use_subcommand -a data -d 'Import, inspect, export and resample market data'
complete -c aiots -n __fish_use_subcommand -a indicators -d 'Bars with indicator columns'
complete -c aiots -n __fish_use_subcommand -a options -d 'Option pricing, Greeks, IV, chains and exposure'
complete -c aiots -n __fish_use_subcommand -a backtest -d 'Run a Lua strategy over historical bars'
complete -c aiots -n __fish_use_subcommand -a stress -d 'Inject a shock and check the risk limits held'
complete -c aiots -n __fish_use_subcommand -a runs -d 'Recorded backtests'
complete -c aiots -n __fish_use_subcommand -a help -d 'Help for a command'
complete -c aiots -n '__fish_seen_subcommand_from help' -a 'data indicators options backtest stress runs'

# data subcommands
complete -c aiots -n "__fish_seen_subcommand_from data; and not __fish_seen_subcommand_from $data_cmds" -a import -d 'Import CSV files'
complete -c aiots -n "__fish_seen_subcommand_from data; and not __fish_seen_subcommand_from $data_cmds" -a list -d 'List stored series'
complete -c aiots -n "__fish_seen_subcommand_from data; and not __fish_seen_subcommand_from $data_cmds" -a show -d 'Print the bars of a symbol'
complete -c aiots -n "__fish_seen_subcommand_from data; and not __fish_seen_subcommand_from $data_cmds" -a export -d 'Export a series'
complete -c aiots -n "__fish_seen_subcommand_from data; and not __fish_seen_subcommand_from $data_cmds" -a rm -d "Remove a symbol's data"
complete -c aiots -n "__fish_seen_subcommand_from data; and not __fish_seen_subcommand_from $data_cmds" -a resample -d 'Aggregate into a coarser timeframe'

# data import
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -F
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -s s -l symbol -x -d 'Symbol'
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -s t -l timeframe -x -a "$timeframes" -d 'Bar timeframe'
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -l tz -x -d 'Time zone of naive times'
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -l skip-invalid -d 'Skip bad rows'
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -l replace -d 'Replace overlapping rows'
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -l wide -d 'One close column per symbol'
complete -c aiots -n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from import' -l adjusted -d 'Scale by adj close'

# data show / export / rm
complete -c aiots -n '__fish_seen_subcommand_from show export rm' -a '(__aiots_symbols)'
complete -c aiots -n '__fish_seen_subcommand_from show export rm' -s t -l timeframe -x -a "$timeframes" -d 'Timeframe'
complete -c aiots -n '__fish_seen_subcommand_from show export rm' -l from -x -d 'First time'
complete -c aiots -n '__fish_seen_subcommand_from show export rm' -l to -x -d 'Last time'
complete -c aiots -n '__fish_seen_subcommand_from show export' -l head -x -d 'First N rows'
complete -c aiots -n '__fish_seen_subcommand_from show export' -l tail -x -d 'Last N rows'
complete -c aiots -n '__fish_seen_subcommand_from export' -s o -l output -r -F -d 'File to write'

# data resample
complete -c aiots -n '__fish_seen_subcommand_from resample' -a '(__aiots_symbols)'
complete -c aiots -n '__fish_seen_subcommand_from resample' -l to -x -a "$timeframes" -d 'Target timeframe'
complete -c aiots -n '__fish_seen_subcommand_from resample' -l source -x -a "$timeframes" -d 'Source timeframe'
complete -c aiots -n '__fish_seen_subcommand_from resample' -l session-tz -x -d 'Exchange time zone'
complete -c aiots -n '__fish_seen_subcommand_from resample' -l from -x -d 'First source time'
complete -c aiots -n '__fish_seen_subcommand_from resample' -l until -x -d 'Last source time'

# indicators
complete -c aiots -n '__fish_seen_subcommand_from indicators' -a '(__aiots_symbols)' -F
complete -c aiots -n '__fish_seen_subcommand_from indicators' -s i -l ind -x -a 'sma( ema( wma( rsi( macd( bbands( atr( sd( roc( stoch( vwap( obv() rvol(' -d 'Indicator spec'
complete -c aiots -n '__fish_seen_subcommand_from indicators' -s t -l timeframe -x -a "$timeframes" -d 'Timeframe'
complete -c aiots -n '__fish_seen_subcommand_from indicators' -l from -x -d 'First bar to print'
complete -c aiots -n '__fish_seen_subcommand_from indicators' -l to -x -d 'Last bar'
complete -c aiots -n '__fish_seen_subcommand_from indicators' -l tail -x -d 'Last N bars'
complete -c aiots -n '__fish_seen_subcommand_from indicators' -l list -d 'List indicators'

# stress
complete -c aiots -n '__fish_seen_subcommand_from stress' -l scenario -x -a 'gap:-20% crash:1987 crash:2008 crash:2020 vol:3x flash-crash:-9%/15m' -d 'Shock'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l at -x -d 'First shocked bar'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l max-loss -x -d 'Loss limit, percent'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l flat-within -x -d 'Bars from halt to flat'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l risk -r -F -d 'Lua risk rule'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l risk-param -x -d 'RULE.KEY=VALUE'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l limit -x -d 'Risk limit KEY=VALUE'
complete -c aiots -n '__fish_seen_subcommand_from stress' -s d -l data -r -F -d 'Symbols or CSV file'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l wide -d 'One close column per symbol'
complete -c aiots -n '__fish_seen_subcommand_from stress' -s t -l timeframe -x -d 'Timeframe'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l from -x -d 'First bar'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l to -x -d 'Last bar'
complete -c aiots -n '__fish_seen_subcommand_from stress' -s p -l param -x -d 'Parameter name=value'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l cash -x -d 'Starting cash'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l commission -x -d 'Commission model'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l slippage -x -d 'Slippage model'
complete -c aiots -n '__fish_seen_subcommand_from stress' -l fill -x -a 'open close' -d 'Fill timing'

# backtest
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l limit -x -a 'account= max_position_pct= max_order_quantity= max_order_notional= daily_loss_pct= max_drawdown_pct= halt_action= price_collar_pct= max_open_orders= max_group_pct=' -d 'Risk limit KEY=VALUE'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l risk -r -F -d 'Lua risk rule'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l benchmark -x -d 'Risk report benchmark'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l var-lookback -x -d 'Returns the risk report uses'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l risk-param -x -d 'Risk rule parameter RULE.KEY=VALUE'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l chains -x -a 'none store synth' -d 'Option chains'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l settlement -x -a 'physical cash' -d 'Expiry settlement'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l option-commission -x -d 'Commission of option fills'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l rate -x -d 'Risk-free rate for options'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l div -x -d 'Dividend yield for options'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -F
complete -c aiots -n '__fish_seen_subcommand_from backtest' -s d -l data -x -a '(__aiots_symbols)' -d 'Symbols or CSV file'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l wide -d 'One close column per symbol'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -s t -l timeframe -x -a "$timeframes" -d 'Timeframe'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l from -x -d 'First bar'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l to -x -d 'Last bar'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -s p -l param -x -d 'Strategy parameter name=value'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l cash -x -d 'Starting cash'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l commission -x -a 'none per-share= per-contract= percent=' -d 'Commission model'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l slippage -x -a 'none bps= ticks= range=' -d 'Slippage model'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l fill -x -a 'open close' -d 'Market fill timing'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l volume-cap -x -d 'Fraction of bar volume'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l seed -x -d 'math.random seed'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l instructions -x -d 'Lua instruction budget'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l memory-mb -x -d 'Lua memory cap (MiB)'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l trades -r -F -d 'Trades CSV'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l equity -r -F -d 'Equity CSV'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l orders -r -F -d 'Order events CSV'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l report -r -F -d 'HTML report'
complete -c aiots -n '__fish_seen_subcommand_from backtest' -l no-record -d 'Do not record the run'

# runs
set -l runs_cmds list show compare rerun rm
complete -c aiots -n "__fish_seen_subcommand_from runs; and not __fish_seen_subcommand_from $runs_cmds" -a list -d 'List runs'
complete -c aiots -n "__fish_seen_subcommand_from runs; and not __fish_seen_subcommand_from $runs_cmds" -a show -d 'Show a run'
complete -c aiots -n "__fish_seen_subcommand_from runs; and not __fish_seen_subcommand_from $runs_cmds" -a compare -d 'Compare runs'
complete -c aiots -n "__fish_seen_subcommand_from runs; and not __fish_seen_subcommand_from $runs_cmds" -a rerun -d 'Run again from the manifest'
complete -c aiots -n "__fish_seen_subcommand_from runs; and not __fish_seen_subcommand_from $runs_cmds" -a rm -d 'Remove runs'

# daemon and live commands
complete -c aiots -n __fish_use_subcommand -a daemon -d 'Start, stop and inspect aiotsd'
complete -c aiots -n __fish_use_subcommand -a strategy -d 'Strategies in aiotsd'
complete -c aiots -n __fish_use_subcommand -a feed -d 'Feed market data to aiotsd'
complete -c aiots -n __fish_use_subcommand -a status -d 'aiotsd at a glance'
complete -c aiots -n __fish_use_subcommand -a orders -d 'Orders in aiotsd'
complete -c aiots -n __fish_use_subcommand -a positions -d 'Open positions'
complete -c aiots -n __fish_use_subcommand -a pnl -d 'P&L per strategy or account'
complete -c aiots -n __fish_use_subcommand -a signals -d 'Recent signals'
complete -c aiots -n __fish_use_subcommand -a watch -d 'Events as they happen'
complete -c aiots -n __fish_use_subcommand -a halt -d 'Kill switch: block every new order'
complete -c aiots -n __fish_use_subcommand -a backup -d 'Copy the store and the journal while aiotsd runs'
complete -c aiots -n __fish_use_subcommand -a restore -d 'Put a backup back in place'
complete -c aiots -n '__fish_seen_subcommand_from restore' -s y -l yes -d 'Replace without asking'
complete -c aiots -n __fish_use_subcommand -a reduce -d 'Only orders that shrink a position'
complete -c aiots -n __fish_use_subcommand -a resume -d 'Trade again after a halt or reduce'
complete -c aiots -n __fish_use_subcommand -a risk -d 'Risk limits, account states and denials'
complete -c aiots -n __fish_use_subcommand -a metrics -d 'Prometheus metrics'
complete -c aiots -n __fish_use_subcommand -a journal -d 'The journal of aiotsd'
complete -c aiots -n __fish_use_subcommand -a logs -d 'The log of aiotsd'
complete -c aiots -n __fish_use_subcommand -a doctor -d 'Check the setup'
complete -c aiots -n __fish_use_subcommand -a config -d 'The daemon configuration'
complete -c aiots -n '__fish_seen_subcommand_from daemon' -a 'start stop status restart'
complete -c aiots -n '__fish_seen_subcommand_from journal' -a 'verify stats compact'
complete -c aiots -n '__fish_seen_subcommand_from journal' -l archive -r -F -d 'Archive database from journal compact'
complete -c aiots -n '__fish_seen_subcommand_from compact' -l before -x -d 'Archive the records of events before this date'
complete -c aiots -n '__fish_seen_subcommand_from config' -a 'check show path'
complete -c aiots -n '__fish_seen_subcommand_from strategy' -a 'load list show unload reload pause resume'
complete -c aiots -n '__fish_seen_subcommand_from strategy' -s s -l symbols -x -d 'Symbols to trade'
complete -c aiots -n '__fish_seen_subcommand_from strategy' -s p -l param -x -d 'Parameter name=value'
complete -c aiots -n '__fish_seen_subcommand_from strategy' -l name -x -d 'Instance name'
complete -c aiots -n '__fish_seen_subcommand_from strategy' -l account -x -d 'Account to trade in (default paper)'
complete -c aiots -n '__fish_seen_subcommand_from feed' -a 'replay sim status stop'
complete -c aiots -n '__fish_seen_subcommand_from feed' -l speed -x -a 'max 1x 60x 200x' -d 'Speed'
complete -c aiots -n '__fish_seen_subcommand_from feed' -l from -x -d 'First bar'
complete -c aiots -n '__fish_seen_subcommand_from feed' -l to -x -d 'Last bar'
complete -c aiots -n '__fish_seen_subcommand_from feed' -s t -l timeframe -x -a "$timeframes" -d 'Timeframe'
complete -c aiots -n '__fish_seen_subcommand_from feed' -l detach -d 'Return at once'
complete -c aiots -n '__fish_seen_subcommand_from feed' -l bars -x -d 'Bars to simulate'
complete -c aiots -n '__fish_seen_subcommand_from feed' -l seed -x -d 'Seed'
complete -c aiots -n '__fish_seen_subcommand_from feed' -l start -x -d 'First bar time'
complete -c aiots -n '__fish_seen_subcommand_from orders' -l open -d 'Only open orders'
complete -c aiots -n '__fish_seen_subcommand_from signals' -s f -l follow -d 'Follow new signals'
complete -c aiots -n '__fish_seen_subcommand_from watch' -l topics -x -a 'orders fills signals plugins risk feed state all' -d 'Topics'
complete -c aiots -n '__fish_seen_subcommand_from halt reduce' -l reason -x -d 'Why'
complete -c aiots -n '__fish_seen_subcommand_from halt' -l cancel-open -d 'Also cancel open orders'
complete -c aiots -n '__fish_seen_subcommand_from halt' -l flatten -d 'Cancel open orders and close every position'
complete -c aiots -n '__fish_seen_subcommand_from resume' -s y -l yes -d 'Do not ask'
complete -c aiots -n '__fish_seen_subcommand_from halt reduce resume' -l account -x -d 'Only this account'
complete -c aiots -n '__fish_seen_subcommand_from positions pnl' -l by -x -a 'strategy account' -d 'Per strategy or per account'
complete -c aiots -n '__fish_seen_subcommand_from risk' -a 'status' -d 'Limits with their use'
complete -c aiots -n '__fish_seen_subcommand_from risk' -a 'report' -d 'VaR, shortfall, exposures, betas'
complete -c aiots -n '__fish_seen_subcommand_from risk' -l benchmark -x -d 'Symbol betas are to'
complete -c aiots -n '__fish_seen_subcommand_from risk' -l lookback -x -d 'Returns used'
complete -c aiots -n '__fish_seen_subcommand_from risk' -a 'load' -d 'Load a Lua risk rule'
complete -c aiots -n '__fish_seen_subcommand_from risk' -a 'list' -d 'Loaded risk rules'
complete -c aiots -n '__fish_seen_subcommand_from risk' -a 'reload' -d 'Load a rule anew'
complete -c aiots -n '__fish_seen_subcommand_from risk' -a 'unload' -d 'Unload a rule'
complete -c aiots -n '__fish_seen_subcommand_from risk' -s p -l param -x -d 'Rule parameter name=value'
complete -c aiots -n '__fish_seen_subcommand_from logs' -s f -l follow -d 'Follow'
complete -c aiots -n '__fish_seen_subcommand_from logs' -l level -x -a 'trace debug info warn error' -d 'Lowest level'
complete -c aiots -n '__fish_seen_subcommand_from logs' -s n -l lines -x -d 'Past lines'

# options
set -l options_cmds price greeks iv import list chain exposure synth-chain
function __aiots_chains
    aiots --format csv options list 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u
end
set -l in_options "__fish_seen_subcommand_from options"
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a price -d 'Price an option'
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a greeks -d 'Price and Greeks'
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a iv -d 'Implied volatility'
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a import -d 'Import chain snapshots'
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a list -d 'Stored chains'
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a chain -d 'Show a chain'
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a exposure -d 'Gamma and delta exposure'
complete -c aiots -n "$in_options; and not __fish_seen_subcommand_from $options_cmds" -a synth-chain -d 'Build a synthetic chain'
set -l pricing "$in_options; and __fish_seen_subcommand_from price greeks iv"
complete -c aiots -n $pricing -l type -x -a 'call put' -d 'Option type'
complete -c aiots -n $pricing -l spot -x -d 'Underlying price'
complete -c aiots -n $pricing -l strike -x -d 'Strike'
complete -c aiots -n $pricing -l expiry -x -a '0d 1d 7d 30d 0.25y' -d '30d, 0.25y, date or timestamp'
complete -c aiots -n $pricing -l now -x -d 'Time to count from'
complete -c aiots -n $pricing -l american -d 'American exercise'
complete -c aiots -n $pricing -l method -x -a 'tree baw' -d 'American pricer'
complete -c aiots -n $pricing -l steps -x -d 'Tree steps'
complete -c aiots -n $pricing -l batch -r -F -d 'CSV rows to price'
complete -c aiots -n $pricing -l skip-invalid -d 'Report bad rows, write good ones'
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from price greeks" -l vol -x -d 'Volatility'
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from iv" -l price -x -d 'Option price'
set -l market "$in_options; and __fish_seen_subcommand_from price greeks iv chain exposure synth-chain"
complete -c aiots -n $market -l rate -x -d 'Risk-free rate'
complete -c aiots -n $market -l div -x -d 'Dividend yield'
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from price greeks iv import chain exposure synth-chain" -l tz -x -d 'Zone of dates'
set -l opt_import "$in_options; and __fish_seen_subcommand_from import"
complete -c aiots -n $opt_import -F
complete -c aiots -n $opt_import -l underlying -x -d 'Underlying symbol'
complete -c aiots -n $opt_import -l skip-invalid -d 'Report bad rows'
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from import synth-chain" -l replace -d 'Overwrite stored snapshots'
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from import chain exposure synth-chain" -l date -x -d 'Snapshot time'
set -l analysis "$in_options; and __fish_seen_subcommand_from chain exposure"
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from list chain exposure" -a '(__aiots_chains)'
complete -c aiots -n $analysis -l expiry -x -d 'Expiry date'
complete -c aiots -n $analysis -l spot -x -d 'Underlying price'
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from chain" -l type -x -a 'call put' -d 'Only calls or puts'
complete -c aiots -n "$in_options; and __fish_seen_subcommand_from chain synth-chain" -l strikes -x -d 'Range around the spot'
set -l opt_exposure "$in_options; and __fish_seen_subcommand_from exposure"
complete -c aiots -n $opt_exposure -l dealer -x -a 'long-calls-short-puts short-all' -d 'Dealer positioning'
complete -c aiots -n $opt_exposure -l unusual-ratio -x -d 'Volume/OI threshold'
complete -c aiots -n $opt_exposure -l min-volume -x -d 'Least volume'
complete -c aiots -n $opt_exposure -l top -x -d 'Unusual contracts to list'
complete -c aiots -n $opt_exposure -l view -x -a 'summary strikes expiries unusual' -d 'One table'
complete -c aiots -n $opt_exposure -l chart -d 'Draw the GEX chart'
set -l opt_synth "$in_options; and __fish_seen_subcommand_from synth-chain"
complete -c aiots -n $opt_synth -a '(__aiots_symbols)'
complete -c aiots -n $opt_synth -s t -l timeframe -x -a "$timeframes" -d 'Timeframe'
complete -c aiots -n $opt_synth -l expiries -x -a '4w,3m' -d 'Nw, Nm, Nd, dates'
complete -c aiots -n $opt_synth -l strike-step -x -d 'Strike spacing'
complete -c aiots -n $opt_synth -l seed -x -d 'Random seed'
