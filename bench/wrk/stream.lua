-- POST /api/chat/stream with a 50-word prompt: the echo answers 50 delta events and a done.
-- The relay run sends it too; the fast upstream answers 50 pieces whatever it is asked.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"messages":[{"role":"user","content":"the quick brown fox jumps over the lazy dog while seven curious cats watch from a sunny window and a small bird sings softly about rivers mountains forests clouds stars bright morning light gentle rain warm bread fresh coffee open roads and old friends who share long stories by the"}]}'
