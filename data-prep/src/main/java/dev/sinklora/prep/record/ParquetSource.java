package dev.sinklora.prep.record;

import dev.sinklora.model.BadInputException;
import dev.sinklora.prep.io.InputSplit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.util.NoSuchElementException;

/**
 * Rows of a Parquet file, reading only the text column. A file without a usable string column is
 * a configuration error and fails fast ({@link #checkTextColumn}); null, empty or non-UTF-8 values
 * are per-row rejections ({@code raw} is then the value itself).
 */
final class ParquetSource implements RecordSource {
    private final InputSplit split;
    private final ParquetFileReader reader;
    private final MessageType projection;
    private final String textField;
    private RecordReader<Group> rows;
    private long rowsLeftInGroup;
    private long rowNumber;

    ParquetSource(InputSplit split, Configuration conf, String textField) throws IOException {
        this.split = split;
        this.textField = textField;
        this.reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(split.file().path()), conf));
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        checkTextColumn(schema, textField, split.file().path());
        this.projection = new MessageType(schema.getName(), schema.getType(textField));
        reader.setRequestedSchema(projection);
    }

    /** Fails unless {@code schema} has a non-repeated string (BINARY, UTF-8 or unannotated) column {@code field}. */
    static void checkTextColumn(MessageType schema, String field, String path) {
        if (!schema.containsField(field)) {
            throw new BadInputException(path + ": Parquet file has no column '" + field + "' (columns: "
                    + schema.getFields().stream().map(Type::getName).toList() + "); use --text-field");
        }
        Type t = schema.getType(field);
        boolean string = t.isPrimitive()
                && t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
                && !t.isRepetition(Type.Repetition.REPEATED)
                && (t.getLogicalTypeAnnotation() == null
                || t.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation);
        if (!string) {
            throw new BadInputException(path + ": Parquet column '" + field + "' is not a string column (" + t + ")");
        }
    }

    @Override
    public boolean hasNext() {
        try {
            while (rowsLeftInGroup == 0) {
                PageReadStore pages = reader.readNextRowGroup();
                if (pages == null) {
                    return false;
                }
                rowsLeftInGroup = pages.getRowCount();
                rows = new ColumnIOFactory().getColumnIO(projection)
                        .getRecordReader(pages, new GroupRecordConverter(projection));
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + split.file().path() + " after row " + rowNumber, e);
        }
    }

    @Override
    public RawRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Group g = rows.read();
        rowsLeftInGroup--;
        long row = ++rowNumber;
        if (g == null || g.getFieldRepetitionCount(0) == 0) {
            return RawRecord.rejected(split.index(), row - 1, -1, row, -1, null, RejectReason.MISSING_TEXT,
                    "Parquet column '" + textField + "' is null");
        }
        byte[] bytes = g.getBinary(0, 0).getBytes();
        try {
            String text = Utf8.decodeStrict(bytes);
            return new RawRecord(split.index(), row - 1, -1, row, -1, bytes, text, null, null);
        } catch (CharacterCodingException e) {
            return RawRecord.rejected(split.index(), row - 1, -1, row, -1, bytes, RejectReason.UNDECODABLE_BYTES,
                    Utf8.describeError(bytes, 0, bytes.length) + " (column '" + textField + "')");
        }
    }

    @Override
    public long linesInSplit() {
        return 0;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
