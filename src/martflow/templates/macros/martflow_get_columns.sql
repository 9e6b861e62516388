{#- Installed by martflow (do not edit: it is replaced when outdated).
    martflow_get_columns logs, as one line prefixed "martflow-columns:", the JSON list of
    {"schema", "table", "found", "columns": [{"name", "data_type"}]} for each relation;
    martflow_list_tables logs, as one line prefixed "martflow-tables:", the JSON list of
    {"schema", "found", "tables": [{"table", "columns": [...]}]} for each schema.
    Both look through the adapter so they work on any dbt warehouse. -#}
{% macro martflow_column_list(relation) %}
  {%- set columns = [] -%}
  {%- for column in adapter.get_columns_in_relation(relation) -%}
    {#- data_type pads strings with a default size (varchar(256)); dtype does not -#}
    {%- set data_type = column.dtype if column.is_string() else column.data_type -%}
    {%- do columns.append({'name': column.name, 'data_type': data_type}) -%}
  {%- endfor -%}
  {{ return(columns) }}
{% endmacro %}

{% macro martflow_get_columns(relations) %}
  {%- set found = [] -%}
  {%- for rel in relations -%}
    {%- set relation = adapter.get_relation(
          database=rel.get('database') or target.database,
          schema=rel['schema'],
          identifier=rel['table']) -%}
    {%- set columns = martflow_column_list(relation) if relation is not none else [] -%}
    {%- do found.append({
          'schema': rel['schema'],
          'table': rel['table'],
          'found': relation is not none,
          'columns': columns}) -%}
  {%- endfor -%}
  {{ log('martflow-columns:' ~ tojson(found), info=True) }}
{% endmacro %}

{% macro martflow_list_tables(schemas) %}
  {%- set found = [] -%}
  {%- for schema in schemas -%}
    {%- set exists = adapter.check_schema_exists(target.database, schema) -%}
    {%- set tables = [] -%}
    {%- if exists -%}
      {%- set schema_relation = api.Relation.create(
            database=target.database, schema=schema).without_identifier() -%}
      {%- for row in list_relations_without_caching(schema_relation) -%}
        {%- set relation = adapter.get_relation(
              database=target.database, schema=schema, identifier=row['name']) -%}
        {%- if relation is not none -%}
          {%- do tables.append({
                'table': relation.identifier,
                'columns': martflow_column_list(relation)}) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
    {%- do found.append({'schema': schema, 'found': exists, 'tables': tables}) -%}
  {%- endfor -%}
  {{ log('martflow-tables:' ~ tojson(found), info=True) }}
{% endmacro %}
