# bash completion for aiots                                    -*- shell-script -*-

_aiots_symbols() {
  aiots --format csv data list 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u
}

_aiots() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  fi

  local global_opts="--db --config --format --json -q --quiet -V --version -h --help"
  local timeframes="1m 5m 15m 30m 1h 4h 1d 1w tick"

  # Values of options that take one.
  case $prev in
    --config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --level) COMPREPLY=($(compgen -W "trace debug info warn error" -- "$cur")); return ;;
    --topics) COMPREPLY=($(compgen -W "orders fills signals plugins risk feed state all" -- "$cur")); return ;;
    --speed) COMPREPLY=($(compgen -W "max 1x 60x 200x" -- "$cur")); return ;;
    --symbols|--name|--reason|--bars|--seed|--start|-n|--lines) return ;;
    --db|-o|--output|--trades|--equity|--orders|--report) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --fill) COMPREPLY=($(compgen -W "open close" -- "$cur")); return ;;
    --commission) COMPREPLY=($(compgen -W "none per-share= per-contract= percent=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
    --slippage) COMPREPLY=($(compgen -W "none bps= ticks= range=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
    -d|--data)
      COMPREPLY=($(compgen -W "$(_aiots_symbols)" -- "$cur") $(compgen -f -- "$cur")); return ;;
    -p|--param|--cash|--volume-cap|--seed|--instructions|--memory-mb) return ;;
    --format) COMPREPLY=($(compgen -W "table csv json" -- "$cur")); return ;;
    -t|--timeframe|--to|--source)
      if [[ $prev == --to && ${words[*]} != *resample* ]]; then return; fi
      COMPREPLY=($(compgen -W "$timeframes" -- "$cur")); return ;;
    --tz|--session-tz)
      COMPREPLY=($(compgen -W "UTC America/New_York America/Chicago Europe/London Europe/Zurich Asia/Tokyo" -- "$cur"))
      return ;;
    -i|--ind)
      COMPREPLY=($(compgen -W "sma( ema( wma( rsi( macd( bbands( atr( sd( roc( stoch( vwap( obv() rvol(" -- "$cur"))
      compopt -o nospace 2>/dev/null; return ;;
    -s|--symbol|--from|--until|--head|--tail) return ;;
    --type) COMPREPLY=($(compgen -W "call put" -- "$cur")); return ;;
    --chains) COMPREPLY=($(compgen -W "none store synth synth:" -- "$cur")); return ;;
    --sentiment) COMPREPLY=($(compgen -W "none store" -- "$cur")); return ;;
    --settlement) COMPREPLY=($(compgen -W "physical cash" -- "$cur")); return ;;
    --option-commission) COMPREPLY=($(compgen -W "none per-contract=" -- "$cur")); compopt -o nospace 2>/dev/null; return ;;
    --method) COMPREPLY=($(compgen -W "tree baw" -- "$cur")); return ;;
    --dealer) COMPREPLY=($(compgen -W "long-calls-short-puts short-all" -- "$cur")); return ;;
    --view) COMPREPLY=($(compgen -W "summary strikes expiries unusual" -- "$cur")); return ;;
    --expiry) COMPREPLY=($(compgen -W "0d 1d 7d 30d 0.25y" -- "$cur")); return ;;
    --expiries) COMPREPLY=($(compgen -W "4w,3m" -- "$cur")); return ;;
    --batch) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --spot|--strike|--vol|--price|--rate|--div|--now|--steps|--underlying|--date|--strikes|--strike-step|--unusual-ratio|--min-volume|--top) return ;;
  esac

  # Find the command path typed so far.
  local cmd="" sub="" i w
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --db|--format|-o|--output|-t|--timeframe|--tz|--session-tz|-i|--ind|-s|--symbol|--from|--to|--until|--head|--tail|--source|-d|--data|-p|--param|--cash|--commission|--slippage|--fill|--volume-cap|--seed|--instructions|--memory-mb|--trades|--equity|--orders|--report|--config|--symbols|--name|--speed|--bars|--seed|--start|--reason|--limit|--risk|--risk-param|--scenario|--at|--max-loss|--flat-within|--benchmark|--var-lookback|--lookback|--level|-n|--lines|--topics|--type|--method|--dealer|--view|--expiry|--expiries|--batch|--spot|--strike|--vol|--price|--rate|--div|--now|--steps|--underlying|--date|--strikes|--strike-step|--unusual-ratio|--min-volume|--top|--chains|--sentiment|--settlement|--option-commission|--account|--by|-g|--grid|--random|--walk-forward|--rank|--where|-j|--jobs|--progress|--shards|--out|--shard)
        ((i++)); continue ;;
      -*) continue ;;
    esac
    if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi
  done

  local opts=""
  case $cmd in
    "") COMPREPLY=($(compgen -W "data indicators options backtest stress runs daemon strategy feed status orders positions pnl signals watch halt reduce resume risk metrics journal diff sweep deploy reconcile logs doctor config backup restore help $global_opts" -- "$cur")); return ;;
    help) COMPREPLY=($(compgen -W "data indicators options backtest stress runs daemon strategy feed status orders positions pnl signals watch halt reduce resume risk metrics journal diff sweep deploy reconcile logs doctor config backup restore" -- "$cur")); return ;;
    daemon) [[ -z $sub ]] && COMPREPLY=($(compgen -W "start stop status restart" -- "$cur")) || COMPREPLY=($(compgen -W "$global_opts" -- "$cur")); return ;;
    journal)
      if [[ -z $sub ]]; then COMPREPLY=($(compgen -W "verify stats compact" -- "$cur"))
      elif [[ $prev == --archive ]]; then COMPREPLY=($(compgen -f -- "$cur"))
      elif [[ $sub == compact ]]; then COMPREPLY=($(compgen -W "--before --archive $global_opts" -- "$cur"))
      else COMPREPLY=($(compgen -W "--archive $global_opts" -- "$cur")); fi
      return ;;
    config) [[ -z $sub ]] && COMPREPLY=($(compgen -W "check show path" -- "$cur")) || COMPREPLY=($(compgen -W "$global_opts" -- "$cur")); return ;;
    strategy)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "load list show unload reload pause resume" -- "$cur"))
      elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-s --symbols -p --param --name --account --confirm-live $global_opts" -- "$cur"))
      elif [[ $sub == load ]]; then
        COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(aiots --format csv strategy list 2>/dev/null | tail -n +2 | cut -d, -f1)" -- "$cur"))
      fi
      return ;;
    feed)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "replay sim live status stop" -- "$cur"))
      elif [[ $prev == --source ]]; then
        COMPREPLY=($(compgen -W "alpaca alphavantage" -- "$cur"))
      elif [[ $prev == -i || $prev == --interval ]]; then
        COMPREPLY=($(compgen -W "1m 5m 15m 30m 60m" -- "$cur"))
      elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--speed --from --to -t --timeframe --detach --bars --seed --start --source -i --interval --poll --since $global_opts" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(_aiots_symbols)" -- "$cur"))
      fi
      return ;;
    orders) COMPREPLY=($(compgen -W "--open $global_opts" -- "$cur")); return ;;
    reconcile)
      if [[ $prev == --account ]]; then
        COMPREPLY=($(compgen -W "$(aiots --format csv strategy list 2>/dev/null | tail -n +2 | cut -d, -f3 | sort -u)" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "--account $global_opts" -- "$cur"))
      fi
      return ;;
    signals) COMPREPLY=($(compgen -W "-f --follow $global_opts" -- "$cur")); return ;;
    watch) COMPREPLY=($(compgen -W "--topics $global_opts" -- "$cur")); return ;;
    halt|reduce|resume)
      if [[ $prev == --account ]]; then
        COMPREPLY=($(compgen -W "$(aiots --format csv strategy list 2>/dev/null | tail -n +2 | cut -d, -f3 | sort -u)" -- "$cur"))
      elif [[ $cmd == halt ]]; then
        COMPREPLY=($(compgen -W "--reason --cancel-open --flatten --account $global_opts" -- "$cur"))
      elif [[ $cmd == reduce ]]; then
        COMPREPLY=($(compgen -W "--reason --account $global_opts" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "-y --yes --account $global_opts" -- "$cur"))
      fi
      return ;;
    positions|pnl)
      if [[ $prev == --by ]]; then
        COMPREPLY=($(compgen -W "strategy account" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "--by $global_opts" -- "$cur"))
      fi
      return ;;
    risk)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "status report load list reload unload" -- "$cur"))
      elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-p --param --benchmark --lookback $global_opts" -- "$cur"))
      elif [[ $sub == load ]]; then
        COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
      elif [[ $sub == reload || $sub == unload ]]; then
        COMPREPLY=($(compgen -W "$(aiots --format csv risk list 2>/dev/null | tail -n +2 | cut -d, -f1)" -- "$cur"))
      fi
      return ;;
    logs) COMPREPLY=($(compgen -W "-f --follow --level -n --lines $global_opts" -- "$cur")); return ;;
    backup) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    diff)
      if [[ $prev == --archive ]]; then COMPREPLY=($(compgen -f -- "$cur"))
      else COMPREPLY=($(compgen -W "--strategy --from --to --window --archive $global_opts" -- "$cur")); fi
      return ;;
    deploy)
      case $sub in
        history) COMPREPLY=($(compgen -W "--limit $global_opts" -- "$cur")); return ;;
        status|watch|abort|show) COMPREPLY=($(compgen -W "$global_opts" -- "$cur")); return ;;
      esac
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--dry-run --wait -p --param $global_opts" -- "$cur"))
      elif [[ -z $sub ]]; then COMPREPLY=($(compgen -W "status watch abort history show" -- "$cur") $(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
      else COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur")); fi
      return ;;
    sweep)
      opts="-d --data --wide --symbols -g --grid --random --seed --walk-forward --rank --where --top -t --timeframe --from --to -p --param --cash --commission --slippage --fill --volume-cap --instructions --memory-mb --limit --risk --risk-param -j --jobs --progress --estimate"
      if [[ $prev == --rank ]]; then
        COMPREPLY=($(compgen -W "sharpe sortino calmar return cagr max_drawdown volatility win_rate profit_factor exposure trades final_equity" -- "$cur"))
      elif [[ $prev == --progress ]]; then
        COMPREPLY=($(compgen -W "auto bar lines none" -- "$cur"))
      elif [[ $prev == --out ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
      elif [[ -z $sub && $cur != -* ]]; then
        COMPREPLY=($(compgen -W "resume list show rm plan run-shard merge" -- "$cur") $(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
      elif [[ $sub == resume || $sub == show || $sub == rm ]]; then
        if [[ $cur == -* ]]; then
          COMPREPLY=($(compgen -W "-j --jobs --progress --rank --where --top $global_opts" -- "$cur"))
        else
          COMPREPLY=($(compgen -W "$(aiots --format csv sweep list 2>/dev/null | tail -n +2 | cut -d, -f1)" -- "$cur"))
        fi
      elif [[ $sub == run-shard || $sub == merge ]]; then
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--shard -j --jobs --progress $global_opts" -- "$cur")); else COMPREPLY=($(compgen -d -- "$cur")); fi
      elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts --shards --out $global_opts" -- "$cur"))
      elif [[ $prev == --symbols || $prev == -d || $prev == --data ]]; then
        COMPREPLY=($(compgen -W "$(_aiots_symbols)" -- "$cur"))
      else
        COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
      fi
      return ;;
    restore)
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-y --yes $global_opts" -- "$cur")); else COMPREPLY=($(compgen -d -- "$cur")); fi
      return ;;
    status|metrics|doctor) COMPREPLY=($(compgen -W "$global_opts" -- "$cur")); return ;;
    stress)
      opts="-d --data --scenario --at --max-loss --flat-within --risk --risk-param --limit --wide -t --timeframe --from --to -p --param --cash --commission --slippage --fill"
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
      elif [[ $prev == --scenario ]]; then
        COMPREPLY=($(compgen -W "gap:-20% crash:1987 crash:2008 crash:2020 vol:3x flash-crash:-9%/15m" -- "$cur") $(compgen -f -- "$cur"))
      else
        COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
      fi
      return ;;
    backtest)
      opts="-d --data --wide -t --timeframe --from --to -p --param --cash --commission --slippage --fill --volume-cap --seed --instructions --memory-mb --chains --sentiment --settlement --option-commission --rate --div --limit --risk --risk-param --benchmark --var-lookback --trades --equity --orders --report --no-record"
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
      else
        COMPREPLY=($(compgen -f -X '!*.lua' -- "$cur") $(compgen -f -X '!*.toml' -- "$cur") $(compgen -d -- "$cur"))
      fi
      return ;;
    runs)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "list show compare rerun rm -h --help" -- "$cur"))
      elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(aiots --format csv runs list 2>/dev/null | tail -n +2 | cut -d, -f1)" -- "$cur"))
      fi
      return ;;
    data)
      case $sub in
        "") COMPREPLY=($(compgen -W "import list show export rm resample fetch fetch-news -h --help" -- "$cur")); return ;;
        import) opts="-s --symbol -t --timeframe --tz --skip-invalid --replace --wide --adjusted" ;;
        list) opts="" ;;
        show) opts="-t --timeframe --from --to --head --tail" ;;
        export) opts="-t --timeframe --from --to --head --tail -o --output" ;;
        rm) opts="-t --timeframe --from --to" ;;
        resample) opts="--to --source --session-tz --from --until" ;;
        fetch)
          if [[ $prev == --provider ]]; then COMPREPLY=($(compgen -W "alphavantage" -- "$cur")); return; fi
          if [[ $prev == -i || $prev == --interval ]]; then COMPREPLY=($(compgen -W "1m 5m 15m 30m 60m 1d" -- "$cur")); return; fi
          opts="--provider -i --interval --from --to --adjusted" ;;
        fetch-news) opts="--provider --from --to" ;;
      esac
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
      elif [[ $sub == import ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(_aiots_symbols)" -- "$cur"))
      fi
      return ;;
    options)
      local pricing="--type --spot --strike --expiry --rate --div --tz --now --american --method --steps --batch --skip-invalid"
      case $sub in
        "") COMPREPLY=($(compgen -W "price greeks iv import list chain exposure synth-chain fetch-chain -h --help" -- "$cur")); return ;;
        price|greeks) opts="$pricing --vol" ;;
        iv) opts="$pricing --price" ;;
        import) opts="--underlying --date --tz --replace --skip-invalid" ;;
        list) opts="" ;;
        chain) opts="--date --expiry --type --strikes --spot --rate --div --tz" ;;
        exposure) opts="--date --expiry --spot --dealer --unusual-ratio --min-volume --top --view --chart --rate --div --tz" ;;
        synth-chain) opts="-t --timeframe --date --expiries --strikes --strike-step --seed --replace --rate --div --tz" ;;
        fetch-chain) opts="--date --provider" ;;
      esac
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
      elif [[ $sub == import ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
      elif [[ $sub == chain || $sub == exposure || $sub == list ]]; then
        COMPREPLY=($(compgen -W "$(aiots --format csv options list 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u)" -- "$cur"))
      elif [[ $sub == synth-chain ]]; then
        COMPREPLY=($(compgen -W "$(_aiots_symbols)" -- "$cur"))
      fi
      return ;;
    indicators)
      opts="-i --ind -t --timeframe --from --to --tail --list"
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global_opts" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(_aiots_symbols)" -- "$cur") $(compgen -f -- "$cur"))
      fi
      return ;;
  esac
}
complete -F _aiots aiots
