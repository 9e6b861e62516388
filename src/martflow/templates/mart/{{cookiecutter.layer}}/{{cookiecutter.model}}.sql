{%- set more_after_columns = cookiecutter.key or cookiecutter.measures -%}
select{% if cookiecutter.select_distinct %} distinct{% endif %}
{%- for col in cookiecutter.columns %}
    {{ col }}{% if more_after_columns or not loop.last %},{% endif %}
{%- endfor %}
{%- if cookiecutter.key %}
    md5(
{%- for col in cookiecutter.key_columns %}
        {% if not loop.first %}|| '|' || {% endif %}{{ '{{' }} dbt.cast('{{ col }}', dbt.type_string()) {{ '}}' }}
{%- endfor %}
    ) as {{ cookiecutter.key }}{% if cookiecutter.measures %},{% endif %}
{%- endif %}
{%- for m in cookiecutter.measures %}
{%- if m.window %}
    {{ m.window.function }}({{ m.function }}({% if m.distinct %}distinct {% endif %}{{ m.column or '*' }})) over (
{%- if m.window.partition %}
        partition by {{ m.window.partition | join(', ') }}
{%- endif %}
        order by {{ m.window.order }}
        rows between {{ m.window.preceding }} preceding and current row
    ) as {{ m.name }}{% if not loop.last %},{% endif %}
{%- else %}
    {{ m.function }}({% if m.distinct %}distinct {% endif %}{{ m.column or '*' }}) as {{ m.name }}{% if not loop.last %},{% endif %}
{%- endif %}
{%- endfor %}
from {{ '{{' }} ref('{{ cookiecutter.upstream }}') {{ '}}' }}
{%- if cookiecutter.incremental %}
{%- set inc = cookiecutter.incremental %}
{{ '{%' }} if is_incremental() {{ '%}' }}
    -- rebuild every grain value with inputs newer than the last build
    where {% if inc.grain | length > 1 %}({{ inc.grain | join(', ') }}){% else %}{{ inc.grain[0] }}{% endif %} in (
        select{% for col in inc.grain %} changed.{{ col }}{% if not loop.last %},{% endif %}{% endfor %}
        from {{ '{{' }} ref('{{ cookiecutter.upstream }}') {{ '}}' }} as changed
        where changed.{{ inc.column }} > (
            select max(built.{{ inc.column }}) from {{ '{{' }} this {{ '}}' }} as built
        )
    )
{{ '{%' }} endif {{ '%}' }}
{%- endif %}
{%- if not cookiecutter.select_distinct %}
group by
{%- for col in cookiecutter.columns %}
    {{ col }}{% if not loop.last %},{% endif %}
{%- endfor %}
{%- endif %}
