package dev.sinklora.testing;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.io.IOException;
import java.net.URI;
import java.util.UUID;

/**
 * An S3 API server in this JVM on 127.0.0.1 (S3Proxy over an in-memory jclouds blob store) with one bucket, and
 * the Hadoop settings that point {@code s3a://} at it: path-style access, plain HTTP, fake static credentials,
 * no bucket probe. Nothing but loopback is contacted. The bucket name is unique per server, so S3A's file-system
 * cache (keyed by bucket) never hands a test a client of an earlier server.
 */
public final class S3TestServer implements AutoCloseable {

    public static final String ACCESS_KEY = "sinklora-test-access";
    public static final String SECRET_KEY = "sinklora-test-secret";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final String bucket;

    private S3TestServer(S3Proxy proxy, BlobStoreContext context, String bucket) {
        this.proxy = proxy;
        this.context = context;
        this.bucket = bucket;
    }

    public static S3TestServer start() throws Exception {
        // The AWS SDK must not look for credentials or regions on an instance-metadata endpoint.
        System.setProperty("com.amazonaws.sdk.disableEc2Metadata", "true");
        String bucket = "sinklora-test-" + UUID.randomUUID().toString().substring(0, 8);
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials("identity", "credential")
                .build(BlobStoreContext.class);
        context.getBlobStore().createContainerInLocation(null, bucket);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return new S3TestServer(proxy, context, bucket);
    }

    public String bucket() {
        return bucket;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** {@code s3a://<bucket>/<key>}. */
    public String uri(String key) {
        return "s3a://" + bucket + "/" + key;
    }

    /** The settings under which {@code s3a://} reaches this server (and nothing else). */
    public void configure(Configuration conf) {
        conf.set("fs.s3a.endpoint", endpoint());
        conf.set("fs.s3a.endpoint.region", "us-east-1");
        conf.setBoolean("fs.s3a.path.style.access", true);
        conf.setBoolean("fs.s3a.connection.ssl.enabled", false);
        conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        conf.set("fs.s3a.access.key", ACCESS_KEY);
        conf.set("fs.s3a.secret.key", SECRET_KEY);
        conf.setInt("fs.s3a.bucket.probe", 0);
        conf.setInt("fs.s3a.attempts.maximum", 1);
        conf.setInt("fs.s3a.retry.limit", 1);
        conf.set("fs.s3a.retry.interval", "10ms");
    }

    /** A fresh configuration set up by {@link #configure}. */
    public Configuration hadoopConf() {
        Configuration conf = new Configuration();
        configure(conf);
        return conf;
    }

    /** Uploads a local directory tree to {@code s3a://<bucket>/<key>}. */
    public void upload(java.nio.file.Path local, String key) throws IOException {
        Path dst = new Path(uri(key));
        FileSystem fs = dst.getFileSystem(hadoopConf());
        fs.copyFromLocalFile(false, true, new Path(local.toUri()), dst);
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
