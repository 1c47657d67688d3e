package dev.attnlab.tracking.mlflow;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlflowSettingsTest {

    @Test
    void tokenBecomesABearerHeader() {
        MlflowSettings s = MlflowSettings.fromEnv(Map.of("MLFLOW_TRACKING_URI", "http://h:1234",
                "MLFLOW_TRACKING_TOKEN", "sekrit", "MLFLOW_TRACKING_USERNAME", "u"));
        assertEquals("Bearer sekrit", s.authorization());
        assertFalse(s.toString().contains("sekrit"));
        assertEquals("http://h:1234", s.safeUri());
    }

    @Test
    void usernameAndPasswordBecomeBasic() {
        MlflowSettings s = MlflowSettings.fromEnv(Map.of("MLFLOW_TRACKING_URI", "http://h:1234/",
                "MLFLOW_TRACKING_USERNAME", "alice", "MLFLOW_TRACKING_PASSWORD", "pw"));
        assertEquals("Basic YWxpY2U6cHc=", s.authorization());
        assertTrue(s.toString().contains("MLFLOW_TRACKING_USERNAME"));
        assertFalse(s.toString().contains("pw"));
    }

    @Test
    void credentialsInTheUriMoveIntoTheHeaderAndOutOfTheAddress() {
        MlflowSettings s = MlflowSettings.fromEnv(Map.of("MLFLOW_TRACKING_URI", "https://bob:p%40ss@mlflow.example:8443/base"));
        assertEquals("https://mlflow.example:8443/base", s.safeUri());
        assertEquals("Basic Ym9iOnBAc3M=", s.authorization());
    }

    @Test
    void unsetMeansTheLocalServerWithoutCredentials() {
        MlflowSettings s = MlflowSettings.fromEnv(Map.of());
        assertEquals("http://127.0.0.1:5000", s.safeUri());
        assertNull(s.authorization());
    }

    @Test
    void aNonHttpUriIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MlflowSettings.fromEnv(Map.of("MLFLOW_TRACKING_URI", "file:///tmp/mlruns")));
        assertTrue(e.getMessage().startsWith("MLFLOW_TRACKING_URI is not an http(s) address"), e.getMessage());
    }
}
