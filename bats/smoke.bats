#!/usr/bin/env bats
load helpers

setup() { start_sink; }
teardown() { common_teardown; }

@test "one message reaches smtp-sink with the default headers and body" {
    run src --quiet -M vm "$SINK_ADDR"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    run normalize_dump
    [ "$output" = "X-Client-Addr: 127.0.0.1
X-Client-Proto: SMTP
X-Helo-Args: vm
X-Mail-Args: <foo@vm>
X-Rcpt-Args: <foo@vm>
Received: from vm ([127.0.0.1])
	by smtp-sink (smtp-sink) with SMTP id ID;
	DATE
From: <foo@vm>
To: <foo@vm>
Date: DATE
Message-Id: <ID@vm>

La de da de da 1.
La de da de da 2.
La de da de da 3.
La de da de da 4." ]
    assert_no_workers
}
