// Annotated examples for the `http-retry` and `config` categories in Go (see auth.py for the annotations).
package examples

import (
	"math/rand"
	"net/http"
	"os"
	"strconv"
	"time"
)

// category: http-retry
func GetWithRetry(client *http.Client, url string, maxAttempts int) (*http.Response, error) {
	var lastErr error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err == nil && resp.StatusCode < 500 {
			return resp, nil
		}
		lastErr = err
		backoff := time.Duration(1<<attempt) * 100 * time.Millisecond
		time.Sleep(backoff + time.Duration(rand.Int63n(int64(backoff))))
	}
	return nil, lastErr
}

type Config struct {
	Port    int
	Debug   bool
	DSN     string
}

// category: config
func LoadConfig() Config {
	cfg := Config{Port: 8080, DSN: "postgres://localhost/app"}
	if v, ok := os.LookupEnv("PORT"); ok {
		if port, err := strconv.Atoi(v); err == nil {
			cfg.Port = port
		}
	}
	cfg.Debug = os.Getenv("DEBUG") == "true"
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		cfg.DSN = dsn
	}
	return cfg
}
