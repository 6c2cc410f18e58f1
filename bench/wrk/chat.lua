-- POST /api/chat with a short prompt; the bearer key is passed by scripts/bench with -H.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"messages":[{"role":"user","content":"Hello there, how are you today?"}]}'
