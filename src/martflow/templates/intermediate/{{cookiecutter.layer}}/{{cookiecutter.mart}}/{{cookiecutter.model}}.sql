with {% for imp in cookiecutter.imports -%}
{{ imp.cte }} as (

    select * from {{ '{{' }} ref('{{ imp.model }}') {{ '}}' }}

){% if not loop.last %},

{% endif %}
{%- endfor %}

select
{%- for col in cookiecutter.columns %}
    {{ col.cte }}.{{ col.column }}{% if col.alias != col.column %} as {{ col.alias }}{% endif %}{% if not loop.last or cookiecutter.period %},{% endif %}
{%- endfor %}
{%- if cookiecutter.period %}
    cast(
        date_trunc('{{ cookiecutter.period.grain }}', {{ cookiecutter.period.cte }}.{{ cookiecutter.period.column }})
        as date
    ) as {{ cookiecutter.period.name }}
{%- endif %}
from {{ cookiecutter.base }}
{%- for join in cookiecutter.joins %}
left join {{ join.cte }}
{%- for cond in join.conditions %}
    {% if loop.first %}on{% else %}and{% endif %} {{ cond.left.cte }}.{{ cond.left.column }} = {{ cond.right.cte }}.{{ cond.right.column }}
{%- endfor %}
{%- endfor %}
