import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import javax.xml.namespace.QName;

import org.apache.axis.AxisFault;
import org.apache.axis.client.Call;
import org.apache.axis.client.Service;

/**
 * A treasury front end's voucher-library client, written the way Axis 1.4 front ends are: no WSDL,
 * no stubs, one {@code Call} per request with {@code setOperationName} and
 * {@code invoke(new Object[]{...})}, and the result cast to what the operation returns
 * ({@code byte[]}, {@code Map}, {@code Integer}, or nothing).
 *
 * <p>The test (tests/axis/test_axis_front_end.py) feeds it one call per line on stdin, tab
 * separated: {@code service, operation, return kind (bytes|map|int|void), arguments...}; an
 * argument is {@code s:} + URL-encoded String, {@code i:} + Integer, {@code b:} + base64 of a
 * byte[], or {@code a:} + comma-separated URL-encoded items of a String[]. For each call it prints
 * one JSON line: the Java class of the result and its value, or the fault string of the AxisFault.
 *
 * <p>With a second argument {@code rpc} or {@code document} it builds each Call from the service's
 * WSDL of that style ({@code ?wsdl&style=...}) instead, as front ends that were given a WSDL do.
 */
public final class AxisFrontEnd {
    private static final String NS = "urn:guoku:realware:evoucher";
    private final String baseUrl;
    private final String wsdlStyle;
    private final Service service = new Service();
    private final Map<String, Service> described = new HashMap<>();

    private AxisFrontEnd(String baseUrl, String wsdlStyle) {
        this.baseUrl = baseUrl;
        this.wsdlStyle = wsdlStyle;
    }

    private Call call(String endpoint, String operation) throws Exception {
        String address = baseUrl + "/realware/services/" + endpoint;
        if (wsdlStyle != null) {
            Service wsdl = described.get(endpoint);
            if (wsdl == null) {
                URL location = new URL(address + "?wsdl&style=" + wsdlStyle);
                wsdl = new Service(location, new QName(NS, endpoint + "Service"));
                described.put(endpoint, wsdl);
            }
            return (Call) wsdl.createCall(new QName(NS, endpoint), operation);
        }
        Call call = (Call) service.createCall();
        call.setTargetEndpointAddress(new URL(address));
        call.setOperationName(operation);
        return call;
    }

    byte[] readBytes(String endpoint, String operation, Object[] args) throws Exception {
        return (byte[]) call(endpoint, operation).invoke(args);
    }

    Map<?, ?> readMap(String endpoint, String operation, Object[] args) throws Exception {
        return (Map<?, ?>) call(endpoint, operation).invoke(args);
    }

    Integer readInt(String endpoint, String operation, Object[] args) throws Exception {
        return (Integer) call(endpoint, operation).invoke(args);
    }

    void send(String endpoint, String operation, Object[] args) throws Exception {
        call(endpoint, operation).invoke(args);
    }

    private Object perform(String endpoint, String operation, String kind, Object[] args) throws Exception {
        switch (kind) {
            case "bytes":
                return readBytes(endpoint, operation, args);
            case "map":
                return readMap(endpoint, operation, args);
            case "int":
                return readInt(endpoint, operation, args);
            case "void":
                send(endpoint, operation, args);
                return null;
            default:
                throw new IllegalArgumentException("unknown return kind " + kind);
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static Object argument(String token) {
        String value = token.substring(2);
        switch (token.substring(0, 2)) {
            case "s:":
                return decode(value);
            case "i:":
                return Integer.valueOf(value);
            case "b:":
                return Base64.getDecoder().decode(value);
            case "a:":
                String[] items = value.split(",", -1);
                for (int i = 0; i < items.length; i++) {
                    items[i] = decode(items[i]);
                }
                return items;
            default:
                throw new IllegalArgumentException("unknown argument " + token);
        }
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** JSON of what Axis handed back: Integer as a number, String as a string, Object[] as a list. */
    static String json(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Integer) {
            return value.toString();
        }
        if (value instanceof String) {
            return quote((String) value);
        }
        if (value instanceof byte[]) {
            return quote(Base64.getEncoder().encodeToString((byte[]) value));
        }
        if (value instanceof Object[]) {
            StringBuilder out = new StringBuilder("[");
            for (Object item : (Object[]) value) {
                out.append(out.length() > 1 ? "," : "").append(json(item));
            }
            return out.append(']').toString();
        }
        if (value instanceof Map) {
            StringBuilder out = new StringBuilder("{");
            for (Map.Entry<?, ?> entry : new TreeMap<>((Map<?, ?>) value).entrySet()) {
                out.append(out.length() > 1 ? "," : "");
                out.append(quote(String.valueOf(entry.getKey()))).append(':').append(json(entry.getValue()));
            }
            return out.append('}').toString();
        }
        return "{\"unexpected\":" + quote(value.getClass().getName()) + "}";
    }

    public static void main(String[] argv) throws Exception {
        AxisFrontEnd frontEnd = new AxisFrontEnd(argv[0], argv.length > 1 ? argv[1] : null);
        PrintStream out = new PrintStream(System.out, true, "US-ASCII");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            Object[] args = new Object[fields.length - 3];
            for (int i = 3; i < fields.length; i++) {
                args[i - 3] = argument(fields[i]);
            }
            String head = "{\"op\":" + quote(fields[1]);
            try {
                Object result = frontEnd.perform(fields[0], fields[1], fields[2], args);
                String java = result == null ? "null" : result.getClass().getName();
                out.println(head + ",\"java\":" + quote(java) + ",\"value\":" + json(result) + "}");
            } catch (AxisFault fault) {
                out.println(head + ",\"fault\":" + quote(fault.getFaultString()) + "}");
            } catch (ClassCastException wrong) {
                out.println(head + ",\"error\":" + quote(wrong.toString()) + "}");
            }
        }
    }
}
